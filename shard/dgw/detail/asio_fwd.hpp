#pragma once
/// Forward declarations of the Asio types public headers take by reference, so that those
/// headers compile without Boost.Asio, Beast or OpenSSL.

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
} // namespace boost::asio
