// The benchmark's floor: the smallest useful Boost.Beast server, configured
// like meldcoded (the same number of threads on one io_context, a strand per
// connection, keep-alive), that reads each request whole and answers it with
// a fixed JSON body. bench/http/run.sh compares the sidecar against it.
//   http_trivial_handler <port> <threads> [reply bytes]
// With a reply size, the body is that long (a prompt is about 8 KB).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const std::string& reply)
        : stream_(std::move(socket)), reply_(reply) {}

    void read() {
        request_ = {};
        http::async_read(stream_, buffer_, request_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (!ec) self->write();
                         });
    }

private:
    void write() {
        response_ = {http::status::ok, 11};
        response_.set(http::field::content_type, "application/json");
        response_.body() = reply_;
        response_.keep_alive(request_.keep_alive());
        response_.prepare_payload();
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec && self->response_.keep_alive()) self->read();
                          });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    const std::string& reply_;
};

void accept(tcp::acceptor& acceptor, net::io_context& io, const std::string& reply) {
    acceptor.async_accept(net::make_strand(io), [&](beast::error_code ec, tcp::socket socket) {
        if (ec) return;
        std::make_shared<Session>(std::move(socket), reply)->read();
        accept(acceptor, io, reply);
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::cerr << "usage: http_trivial_handler <port> <threads> [reply bytes]\n";
        return 2;
    }
    std::string reply = R"({"status":"ok"})";
    if (argc == 4) reply = "\"" + std::string(std::stoul(argv[3]) - 2, 'x') + "\"";
    const int threads = std::stoi(argv[2]);
    net::io_context io(threads);
    tcp::acceptor acceptor(
        net::make_strand(io),
        {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoul(argv[1]))});
    accept(acceptor, io, reply);
    net::signal_set stop(io, SIGTERM, SIGINT);
    stop.async_wait([&io](beast::error_code, int) { io.stop(); });
    std::cout << "listening" << std::endl;
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();
    for (std::thread& t : pool) t.join();
    return 0;
}
