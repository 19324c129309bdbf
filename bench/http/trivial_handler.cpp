// The benchmark's floors: the smallest useful cpprestsdk servers, configured
// like meldcoded (same thread pool size), answering every request with a
// fixed JSON body. bench/http/run.sh compares the sidecar against them.
//   http_trivial_handler <port> <threads> [reply bytes] [--read-body]
// With a reply size, the body is that long: cpprestsdk writes a response in
// 4 KB chunks, each a write and a task of its own, so the size of a prompt
// costs the framework itself; this floor shows how much.
// With --read-body, the handler takes the request's body first, the
// idiomatic way (extract_string), and answers once it has it, as any handler
// that uses its body must: the floor for an endpoint that reads JSON.
#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    const bool read_body = argc > 3 && std::strcmp(argv[argc - 1], "--read-body") == 0;
    const int positional = read_body ? argc - 1 : argc;
    if (positional != 3 && positional != 4) {
        std::cerr << "usage: http_trivial_handler <port> <threads> [reply bytes] [--read-body]\n";
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    std::string reply = R"({"status":"ok"})";
    if (positional == 4) reply = "\"" + std::string(std::stoul(argv[3]) - 2, 'x') + "\"";
    crossplat::threadpool::initialize_with_threads(std::stoul(argv[2]));
    web::http::experimental::listener::http_listener listener(
        web::uri(std::string("http://127.0.0.1:") + argv[1]));
    listener.support([&reply, read_body](web::http::http_request request) {
        if (!read_body) {
            request.reply(web::http::status_codes::OK, reply, "application/json");
            return;
        }
        request.extract_utf8string(true).then([request, &reply](const std::string&) {
            request.reply(web::http::status_codes::OK, reply, "application/json");
        });
    });
    listener.open().wait();
    std::cout << "listening" << std::endl;
    int signal = 0;
    sigwait(&stop, &signal);
    listener.close().wait();
    return 0;
}
