#pragma once
/// Skipping whole ETF terms by their lengths (internal). Shared by the reader's
/// skip_value and the typed decoder's direct ETF source, so both accept the same terms.

#include <dgw/detail/etf/byte_io.hpp>
#include <dgw/detail/etf/tags.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <cstdint>
#include <string_view>

namespace dgw::etf::detail {

/// Why a skip stopped; the reader turns it into an error with its usual text.
struct skip_fault {
    enum class what : std::uint8_t {
        no_term,     ///< input ended where a term was due (at)
        header,      ///< the term's header needs `need` bytes (at)
        length,      ///< declared bytes/children `len` exceed what follows the header
        compressed,  ///< COMPRESSED below the top level
        unknown_tag, ///< `tag`
        too_deep,    ///< a container at `at` nests deeper than the caller allows
    };
    what w = what::no_term;
    std::uint8_t tag = 0;
    std::size_t at = 0;
    std::size_t need = 0;   ///< header: bytes needed; length: the header size
    std::uint64_t len = 0;  ///< length: declared bytes + children + still-pending terms
};

/// Skips `pending` terms starting at `pos`. Every term takes at least one byte, so the
/// count of terms still due never exceeds the remaining input: checking each new count
/// against that keeps the counters bounded (no overflow) and catches lying counts early.
/// One loop, no call per term. Structure and bounds are checked, content is not (no
/// UTF-8 check, bigs unchecked). `levels` is how many containers may nest along any path,
/// counting the skipped terms themselves (an empty map or tuple counts): the caller's
/// depth limit minus the containers already open, so skipping a value and reading it
/// refuse the same nesting. On success `pos` is just past the last term; on failure `f`
/// says why and `pos` is kept.
inline bool skip_terms(std::string_view d, std::size_t& pos, std::uint64_t pending, skip_fault& f,
                       std::size_t levels = static_cast<std::size_t>(-1)) {
    std::size_t at = pos;
    const std::size_t n = d.size();
    // Terms still due at each open level, as count << 1 | whether the level is a list; the
    // current level's is `here`. Deep nesting spills to the heap (gateway payloads stay far
    // below the inline size). One pass that tracks depth costs less than a flat pass that
    // must be repeated whenever a value holds more containers than `levels` (large d's do).
    constexpr std::size_t inline_levels = 32;
    std::uint64_t inline_outer[inline_levels];
    std::unique_ptr<std::uint64_t[]> heap_outer;
    std::uint64_t* outer = inline_outer;
    std::size_t capacity = inline_levels;
    std::size_t depth = 0;
    std::uint64_t here = pending << 1;
    std::uint64_t total = pending; // terms due at every level, for the length check
    for (;;) {
        while (here < 2) {
            if (depth == 0) {
                pos = at;
                return true;
            }
            here = outer[--depth];
        }
        here -= 2;
        --total;
        if (at >= n) {
            f = {skip_fault::what::no_term, 0, at, 0, 0};
            return false;
        }
        const std::uint8_t tg = u8(d, at);
        std::size_t header = 0;
        std::uint64_t bytes = 0;    // payload bytes after the header
        std::uint64_t children = 0; // terms that follow the header
        bool container = false;
        auto have = [&](std::size_t h) {
            if (n - at >= h) return true;
            f = {skip_fault::what::header, tg, at, h, 0};
            return false;
        };
        switch (tg) {
        case tag::small_integer: header = 2; break;
        case tag::integer: header = 5; break;
        case tag::new_float: header = 9; break;
        case tag::float_text: header = 32; break;
        case tag::nil:
            // A list's last term is its tail: reading consumes a NIL tail with the list, so
            // it opens no level, while a NIL anywhere else reads as an empty array and does.
            header = 1;
            container = here != 1;
            break;
        case tag::string:
            container = true; // read as a list of bytes, so it nests like one
            [[fallthrough]];
        case tag::atom:
        case tag::atom_utf8:
            header = 3;
            if (!have(header)) return false;
            bytes = be16(d, at + 1);
            break;
        case tag::small_atom:
        case tag::small_atom_utf8:
            header = 2;
            if (!have(header)) return false;
            bytes = u8(d, at + 1);
            break;
        case tag::small_big:
            header = 3; // u8 n, sign byte
            if (!have(header)) return false;
            bytes = u8(d, at + 1);
            break;
        case tag::binary:
            header = 5;
            if (!have(header)) return false;
            bytes = be32(d, at + 1);
            break;
        case tag::large_big:
            header = 6;
            if (!have(header)) return false;
            bytes = be32(d, at + 1);
            break;
        case tag::small_tuple:
            header = 2;
            if (!have(header)) return false;
            children = u8(d, at + 1);
            container = true;
            break;
        case tag::large_tuple:
        case tag::list:
        case tag::map:
            header = 5;
            if (!have(header)) return false;
            children = be32(d, at + 1);
            if (tg == tag::list) children += 1; // the tail
            if (tg == tag::map) children *= 2;
            container = true;
            break;
        case tag::compressed: f = {skip_fault::what::compressed, tg, at, 0, 0}; return false;
        default: f = {skip_fault::what::unknown_tag, tg, at, 0, 0}; return false;
        }
        if (!have(header)) return false;
        const std::uint64_t len = bytes + children + total;
        if (len > n - at - header) {
            f = {skip_fault::what::length, tg, at, header, len};
            return false;
        }
        if (container && depth >= levels) {
            f = {skip_fault::what::too_deep, tg, at, 0, 0};
            return false;
        }
        at += header + static_cast<std::size_t>(bytes);
        if (children == 0) continue;
        if (depth == capacity) {
            // Bounded by `levels` and, since every container takes a byte, by the input.
            const std::size_t grown = capacity * 2;
            auto bigger = std::make_unique<std::uint64_t[]>(grown);
            std::copy_n(outer, depth, bigger.get());
            heap_outer = std::move(bigger);
            outer = heap_outer.get();
            capacity = grown;
        }
        outer[depth++] = here;
        here = children << 1 | (tg == tag::list ? 1 : 0);
        total += children;
    }
}

} // namespace dgw::etf::detail
