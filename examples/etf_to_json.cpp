// etf_to_json: prints ETF messages as JSON lines (snowflake-sized integers as strings).
//
// Usage: etf_to_json FILE
// FILE holds one ETF term (it starts with the version byte 131) or a sequence of terms,
// each framed by a u32 big-endian length (the shared corpus format). A frame cannot start
// with 131 unless it is over 2 GiB, so the first byte tells the two apart.
#include <dgw/etf/json.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace {

bool print(std::string_view etf, std::size_t index) {
    dgw::decode_error ec;
    // Integers beyond +-(2^53-1) (snowflakes) as strings, as dgw's JSON output writes them.
    const auto v = dgw::etf::to_json(etf, ec, {}, {}, dgw::big_integers::string);
    if (ec) {
        std::cerr << "message " << index << ": " << ec.message() << '\n';
        return false;
    }
    std::cout << boost::json::serialize(v) << '\n';
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: etf_to_json FILE\n";
        return 2;
    }
    std::ifstream f(argv[1], std::ios::binary);
    if (!f) {
        std::cerr << "cannot open " << argv[1] << '\n';
        return 2;
    }
    const std::string data{std::istreambuf_iterator<char>(f), {}};
    if (!data.empty() && static_cast<unsigned char>(data[0]) == 131) return print(data, 0) ? 0 : 1;

    bool ok = true;
    std::size_t i = 0, index = 0;
    while (i < data.size()) {
        if (data.size() - i < 4) {
            std::cerr << "frame " << index << ": truncated length prefix\n";
            return 1;
        }
        std::uint32_t n = 0;
        for (int k = 0; k < 4; ++k) n = (n << 8) | static_cast<unsigned char>(data[i + k]);
        i += 4;
        if (data.size() - i < n) {
            std::cerr << "frame " << index << ": length " << n << " exceeds the file\n";
            return 1;
        }
        // Keep going after a bad message so one corrupt frame does not hide the rest.
        ok &= print(std::string_view(data).substr(i, n), index++);
        i += n;
    }
    return ok ? 0 : 1;
}
