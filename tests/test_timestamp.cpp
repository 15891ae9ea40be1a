// dgw::Timestamp::unix_micros: ISO 8601 text to microseconds since the Unix epoch.
// Expected values are Python's datetime.fromisoformat for the same text.
#include <dgw/timestamp.hpp>

#include <boost/test/unit_test.hpp>

#include <climits>
#include <cstdint>
#include <optional>
#include <string_view>

namespace {

std::optional<std::int64_t> micros(std::string_view text) { return dgw::Timestamp(text).unix_micros(); }
// For BOOST_TEST, which cannot print an optional: INT64_MIN stands for nullopt.
std::int64_t us(std::string_view text) { return micros(text).value_or(INT64_MIN); }

} // namespace

BOOST_AUTO_TEST_SUITE(timestamp)

BOOST_AUTO_TEST_CASE(discords_form_and_its_variants) {
    BOOST_TEST(us("2021-09-16T20:22:31.123000+00:00") == 1631823751123000);
    BOOST_TEST(us("2021-09-16T22:22:31.123000+02:00") == 1631823751123000);
    BOOST_TEST(us("2021-09-16T18:22:31.123-02:00") == 1631823751123000);
    BOOST_TEST(us("2021-09-16T20:22:31.123Z") == 1631823751123000);
    BOOST_TEST(us("2021-09-16 20:22:31.1234569z") == 1631823751123456); // beyond micros: cut
    BOOST_TEST(us("2021-09-16T20:22:31+00:00") == 1631823751000000);
}

BOOST_AUTO_TEST_CASE(calendar_edges) {
    BOOST_TEST(us("1970-01-01T00:00:00Z") == 0);
    BOOST_TEST(us("1969-12-31T23:59:59Z") == -1000000);
    BOOST_TEST(us("2000-02-29T00:00:00Z") == 951782400000000);
    BOOST_TEST(us("0001-01-01T00:00:00Z") == -62135596800000000);
    BOOST_TEST(us("9999-12-31T23:59:59Z") == 253402300799000000);
    // A day past the month's end counts on into the next month.
    BOOST_TEST(us("2021-02-30T00:00:00Z") == us("2021-03-02T00:00:00Z"));
    BOOST_TEST(us("2021-03-02T00:00:00Z") == 1614643200000000);
}

BOOST_AUTO_TEST_CASE(not_iso_8601) {
    for (std::string_view bad : {"", "2021-09-16", "2021-09-16T20:22:31", "2021-13-16T20:22:31Z",
                                 "2021-09-32T20:22:31Z", "2021-09-16T24:22:31Z", "2021-09-16T20:22:31.Z",
                                 "2021-09-16T20:22:31+0000", "2021-09-16T20:22:31Zx", "20x1-09-16T20:22:31Z",
                                 "-021-09-16T20:22:31Z", "2021-+9-16T20:22:31Z", "2021-09-16T20:22:31+-1:00"})
        BOOST_TEST(!micros(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()
