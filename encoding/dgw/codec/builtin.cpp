// Descriptions of the scalar types every schema uses, and their arrays.
#include <dgw/detail/codec/ops.hpp>
#include <dgw/raw_json.hpp>
#include <dgw/timestamp.hpp>

#include <string>

namespace dgw::codec {

extern const type_info ti_bool = base_info<bool>(kind::boolean, "bool");
extern const type_info ti_int = base_info<std::int64_t>(kind::int64, "int");
extern const type_info ti_double = base_info<double>(kind::float64, "double");
extern const type_info ti_string = base_info<std::string>(kind::string, "string");
extern const type_info ti_snowflake = base_info<Snowflake>(kind::snowflake, "snowflake");
extern const type_info ti_timestamp = base_info<Timestamp>(kind::timestamp, "timestamp");
extern const type_info ti_any = base_info<RawJson>(kind::any, "any");

extern const type_info ti_int_array = array_info<std::int64_t>("int[]", &ti_int);
extern const type_info ti_double_array = array_info<double>("double[]", &ti_double);
extern const type_info ti_string_array = array_info<std::string>("string[]", &ti_string);
extern const type_info ti_snowflake_array = array_info<Snowflake>("snowflake[]", &ti_snowflake);
extern const type_info ti_timestamp_array = array_info<Timestamp>("timestamp[]", &ti_timestamp);
extern const type_info ti_any_array = array_info<RawJson>("any[]", &ti_any);

} // namespace dgw::codec
