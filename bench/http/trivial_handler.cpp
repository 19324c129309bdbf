// The benchmark's floor: the smallest useful cpprestsdk server, configured
// like meldcoded (same thread pool size), answering every request with a
// fixed JSON body. bench/http/run.sh compares the sidecar against it.
//   http_trivial_handler <port> <threads> [reply bytes]
// With a reply size, the body is that long: cpprestsdk writes a response in
// 4 KB chunks, each a write and a task of its own, so the size of a prompt
// costs the framework itself; this floor shows how much.
#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
#include <csignal>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::cerr << "usage: http_trivial_handler <port> <threads> [reply bytes]\n";
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    std::string reply = R"({"status":"ok"})";
    if (argc == 4) reply = "\"" + std::string(std::stoul(argv[3]) - 2, 'x') + "\"";
    crossplat::threadpool::initialize_with_threads(std::stoul(argv[2]));
    web::http::experimental::listener::http_listener listener(
        web::uri(std::string("http://127.0.0.1:") + argv[1]));
    listener.support([&reply](web::http::http_request request) {
        request.reply(web::http::status_codes::OK, reply, "application/json");
    });
    listener.open().wait();
    std::cout << "listening" << std::endl;
    int signal = 0;
    sigwait(&stop, &signal);
    listener.close().wait();
    return 0;
}
