// The single Boost.Test entry point; suites live in tests/test_<suite>.cpp.
#define BOOST_TEST_MODULE dgw
#include <boost/test/unit_test.hpp>
