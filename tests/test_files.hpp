#pragma once
// Reading test inputs (fixtures, files a test wrote): a file that cannot be opened fails
// the test case there, naming the path.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace dgw_test {

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f, "cannot open " << p);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

} // namespace dgw_test
