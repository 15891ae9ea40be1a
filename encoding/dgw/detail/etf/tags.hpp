#pragma once
/// ETF tag bytes shared by the reader and the writer (GATEWAY_NOTES.md §7.3).

#include <cstdint>

namespace dgw::etf::tag {

inline constexpr std::uint8_t version = 131;          ///< first byte of every message
inline constexpr std::uint8_t new_float = 70;         ///< IEEE-754 f64, big-endian
inline constexpr std::uint8_t compressed = 80;        ///< u32 size + zlib data
inline constexpr std::uint8_t small_integer = 97;     ///< u8, unsigned
inline constexpr std::uint8_t integer = 98;           ///< i32
inline constexpr std::uint8_t float_text = 99;        ///< FLOAT_EXT: 31 bytes of "%.20e"
inline constexpr std::uint8_t atom = 100;             ///< ATOM_EXT: u16 len + Latin-1
inline constexpr std::uint8_t small_tuple = 104;      ///< u8 arity + terms
inline constexpr std::uint8_t large_tuple = 105;      ///< u32 arity + terms
inline constexpr std::uint8_t nil = 106;              ///< NIL_EXT: the empty list
inline constexpr std::uint8_t string = 107;           ///< STRING_EXT: u16 len + bytes (a list of small ints)
inline constexpr std::uint8_t list = 108;             ///< u32 n + terms + tail
inline constexpr std::uint8_t binary = 109;           ///< u32 len + bytes
inline constexpr std::uint8_t small_big = 110;        ///< u8 n, u8 sign, n bytes little-endian
inline constexpr std::uint8_t large_big = 111;        ///< u32 n, u8 sign, n bytes little-endian
inline constexpr std::uint8_t small_atom = 115;       ///< SMALL_ATOM_EXT: u8 len + Latin-1
inline constexpr std::uint8_t map = 116;              ///< u32 arity + pairs
inline constexpr std::uint8_t atom_utf8 = 118;        ///< u16 len + UTF-8
inline constexpr std::uint8_t small_atom_utf8 = 119;  ///< u8 len + UTF-8

} // namespace dgw::etf::tag
