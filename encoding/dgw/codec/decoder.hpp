#pragma once
/// The typed decoder: a push state machine that fills a generated struct from a stream of
/// value events. The JSON front end feeds it from Boost.JSON's basic_parser (SAX, no DOM),
/// the ETF front end from the ETF reader, so both encodings share one set of conversion
/// and leniency rules (json_front.cpp, etf_front.cpp).
///
/// Rules: unknown fields are skipped; a required field that never arrives is recorded in
/// the struct's `missing_` mask (so encoding it again omits it); null for a field the
/// schema says is not nullable is treated as absent rather than failing the whole event
/// (Discord's nullability notes are not always right); any other type mismatch is an
/// error naming the field path.

#include <dgw/codec/type_info.hpp>
#include <dgw/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::codec {

/// Fills one value of a described type from pushed events. Reusable: call start() again.
class value_decoder {
public:
    explicit value_decoder(std::size_t max_depth = 512);

    /// Changes the nesting limit for the next start().
    void set_max_depth(std::size_t d) noexcept { max_depth_ = d; }

    /// Begins decoding into `obj`, whose type `ti` describes; `root` names it in paths ("d").
    void start(const type_info* ti, void* obj, std::string_view root = "d");

    bool null();
    bool boolean(bool v);
    bool int64(std::int64_t v);
    bool uint64(std::uint64_t v);
    bool float64(double v);
    bool string(std::string_view v);
    bool object_begin();
    bool key(std::string_view k);
    bool object_end();
    bool array_begin();
    bool array_end();

    /// True once the root value is complete.
    bool done() const noexcept { return done_; }
    /// True when the next value will be ignored (unknown field): a front end that can skip
    /// a whole value cheaply (ETF) may do so and then call skipped().
    bool next_is_skipped() const noexcept;
    void skipped();

    /// Set when a call returned false: code, path and detail (the offset is the front end's).
    const decode_error& error() const noexcept { return err_; }

private:
    struct frame {
        const type_info* ti;      // object, array or map being filled
        void* obj;
        std::uint64_t missing;    // objects: required bits not seen yet
        const field_info* field;  // objects: field of the pending value (nullptr: skip it)
        std::uint64_t map_key;    // maps: key of the pending value
    };
    struct target {
        const type_info* ti;
        presence pres;
        void* storage;
    };

    bool pending_target(target& t);
    void* open(const target& t);
    bool fail(codec_errc e, std::string detail);
    bool mismatch(const target& t, const char* got);
    void value_done();
    bool begin_container(bool is_object);
    // RawJson capture
    void cap_sep();
    bool cap_value_done();

    std::vector<frame> stack_;
    std::size_t max_depth_;
    const type_info* root_ti_ = nullptr;
    void* root_ = nullptr;
    std::string_view root_name_;
    bool done_ = false;
    bool root_pending_ = false;
    std::size_t skip_depth_ = 0;   // >0: inside a skipped container
    bool skip_next_ = false;       // the next value is skipped
    std::string* cap_ = nullptr;   // capture target of an `any` value
    std::size_t cap_depth_ = 0;
    std::vector<std::uint8_t> cap_first_; // per capture level: bit 0 = nothing written yet, bit 1 = object
    decode_error err_;
};

} // namespace dgw::codec
