"""Every code example in README.md and docs/*.md, and in the bindings'
docstrings and Javadoc, is checked by a test.

A fenced block says how in its info string, after the language:

  run                   a complete program: run (python), compiled against the
                        SDK and run (cpp), run with the JNA binding (java), in
                        an empty directory holding a key ring `meldcode.keys`,
                        with MELDCODE_PLUGIN naming the plugin; it must exit 0
                        and print `prints=` when the fence has it
  method-of=CLASS       one method to add to that binding class; the test adds
                        it and calls it (the operation does not exist, so the
                        plugin must answer missing_symbol, as the docs say)
  schema=NAME           JSON (or an HTTP request's body) that matches
                        schemas/NAME.schema.json (schemas/sidecar/ too);
                        members-of=FILE#POINTER: the block is members of that
                        object of that file; secret=S: the HTTP request's
                        Meldcode-Signature holds under S
  layout                a folder listing: each line starts with a path that exists
  postgres=FIXTURE      SQL run on a throwaway PostgreSQL between FIXTURE's set-up
                        and its check (POSTGRES_FIXTURES below)
  mapping=/mapped=      an order and the ticket it maps to (tests/rest/mapping_test.cpp)
  tutorial=             docs/extensions.md's tutorial (tests/abi/tutorial_test.cpp)
  checked-by=FILE       run by another test, FILE, which reads this document

A block with none of these fails the inventory test, so no example can go
unchecked.
"""
import doctest
import importlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYTHON_PACKAGE = os.path.join(ROOT, "host_adapters", "python")
JAVA_SOURCES = os.path.join(ROOT, "host_adapters", "java", "src", "nl", "meldcode")
SDK_HEADER = os.path.join(ROOT, "host_adapters", "cpp", "include", "meldcode", "meldcode.hpp")
CHECKERS = {
    "run": {"python", "cpp", "java"},
    "method-of": {"python", "cpp", "java"},
    "schema": {"json", "http"},
    "layout": {"text"},
    "postgres": {"sql"},
    "mapping": {"json"},
    "mapped": {"json"},
    "tutorial": {"json", "c", "sh"},
    "checked-by": {"sh", "c", "python", "js"},
}
sys.path.insert(0, PYTHON_PACKAGE)


@dataclass
class Block:
    file: str  # relative to ROOT
    line: int
    lang: str
    attrs: dict = field(default_factory=dict)
    text: str = ""

    def __str__(self):
        return "%s:%d (```%s)" % (self.file, self.line, self.lang)


def documents():
    docs = sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                  if f.endswith(".md"))
    return ["README.md"] + docs


def fenced_blocks(file):
    """The ``` blocks of a Markdown file (tests/support/markdown_blocks.h reads them alike)."""
    blocks, current, indent = [], None, 0
    with open(os.path.join(ROOT, file), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fence = re.match(r"^( *)```(.*)$", line.rstrip("\n"))
            if fence and current is None:
                words = fence.group(2).split()
                attrs = dict(w.split("=", 1) if "=" in w else (w, True) for w in words[1:])
                current = Block(file, number, words[0] if words else "", attrs)
                indent = len(fence.group(1))
            elif fence:
                blocks.append(current)
                current = None
            elif current is not None:
                current.text += line[min(indent, len(line) - len(line.lstrip(" "))):]
    assert current is None, "%s: a ``` block is not closed" % file
    return blocks


def all_blocks(checker=None, lang=None):
    return [b for file in documents() for b in fenced_blocks(file)
            if (checker is None or checker in b.attrs) and (lang is None or b.lang == lang)]


def strict_json(text):
    """JSON as the plugin reads it: a member twice is an error, not the last one winning."""
    def pairs(items):
        names = [name for name, _ in items]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError("member twice: %s" % ", ".join(sorted(duplicates)))
        return dict(items)
    return json.loads(text, object_pairs_hook=pairs)


def json_document(block):
    """The document a `schema=` block shows (for HTTP, the request's body)."""
    text = http_request(block)[1] if block.lang == "http" else block.text
    target = block.attrs.get("members-of")
    if not target:
        return strict_json(text)
    path, _, pointer = target.partition("#")
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        document = json.load(f)
    node = document
    for token in filter(None, pointer.split("/")):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    node.update(strict_json("{%s}" % text.strip().rstrip(",")))
    return document


def http_request(block):
    """(headers, body) of an HTTP request block."""
    head, _, body = block.text.partition("\n\n")
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    return headers, body.rstrip("\n")


def run(command, cwd=None, env=None, timeout=300):
    done = subprocess.run(command, cwd=cwd, env=dict(os.environ, **(env or {})),
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


class HostDirTest(unittest.TestCase):
    """An empty directory holding a key ring meldcode.keys, as a host's examples expect."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="meldcode-doc-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.key_ring(os.path.join(self.dir, "meldcode.keys"))

    @staticmethod
    def key_ring(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write('{"active": "k1", "keys": {"k1": "%s"}}' % secrets.token_hex(32))

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def assert_runs(self, block, command, **kwargs):
        status, output = run(command, cwd=self.dir, **kwargs)
        self.assertEqual(status, 0, "%s: %s" % (block, output))
        if "prints" in block.attrs:
            self.assertIn(block.attrs["prints"], output, str(block))
        return output

    def run_blocks(self, lang, checker, check):
        blocks = all_blocks(checker, lang)
        self.assertTrue(blocks, "no ```%s %s block" % (lang, checker))
        for block in blocks:
            with self.subTest(str(block)):
                check(block)


class InventoryTest(unittest.TestCase):
    def test_every_block_says_how_it_is_checked(self):
        blocks = all_blocks()
        self.assertGreater(len(blocks), 30)
        for block in blocks:
            with self.subTest(str(block)):
                checkers = [c for c in CHECKERS if c in block.attrs]
                self.assertTrue(checkers, "the fence names no check (tests/docs/doc_examples_test.py "
                                "says which): one of " + ", ".join(CHECKERS))
                for checker in checkers:
                    self.assertIn(block.lang, CHECKERS[checker], checker)

    def test_a_test_named_by_checked_by_reads_the_document(self):
        for block in all_blocks("checked-by"):
            with self.subTest(str(block)):
                with open(os.path.join(ROOT, block.attrs["checked-by"]), encoding="utf-8") as f:
                    source = f.read()
                self.assertIn(os.path.splitext(os.path.basename(block.file))[0], source)

    def test_tutorial_blocks_are_the_extensions_tutorial(self):
        self.assertEqual({b.file for b in all_blocks("tutorial")}, {"docs/extensions.md"})

    def test_a_folder_listing_names_paths_that_exist(self):
        for block in all_blocks("layout"):
            # A line that starts with a space goes on with the one before.
            for line in filter(lambda line: line and not line[0].isspace(), block.text.splitlines()):
                with self.subTest(block=str(block), path=line.split()[0]):
                    self.assertTrue(os.path.exists(os.path.join(ROOT, line.split()[0])))


class JsonTest(unittest.TestCase):
    def test_every_json_example_matches_the_schema_its_fence_names(self):
        checks = [{"where": str(b), "schema": b.attrs["schema"], "document": json_document(b)}
                  for b in all_blocks("schema")]
        self.assertGreater(len(checks), 8)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(checks, f)
            f.flush()
            status, output = run([os.environ.get("NODE", "node"),
                                  os.path.join(ROOT, "tests", "docs", "validate_json.mjs"), f.name],
                                 cwd=ROOT)
        self.assertEqual(status, 0, output)

    def test_a_webhook_request_is_signed_as_the_receivers_verify_it(self):
        blocks = all_blocks("secret", "http")
        self.assertTrue(blocks)
        scope = {}
        receiver = [b for b in all_blocks("checked-by", "python") if b.file == "docs/webhooks.md"]
        exec(compile(receiver[0].text, receiver[0].file, "exec"), scope)
        verify = scope["verify_meldcode_signature"]
        for block in blocks:
            with self.subTest(str(block)):
                headers, body = http_request(block)
                self.assertEqual(headers["Meldcode-Event-Id"], json.loads(body)["id"])
                signature = headers["Meldcode-Signature"]
                age = abs(time.time() - int(re.match(r"t=(\d+),", signature).group(1)))
                secret = block.attrs["secret"].encode()
                self.assertTrue(verify(secret, signature, body.encode(), tolerance=age + 60))
                self.assertFalse(verify(secret + b"x", signature, body.encode(), tolerance=age + 60))


class PythonTest(HostDirTest):
    def test_programs_run(self):
        self.run_blocks("python", "run", lambda block: self.assert_runs(
            block, [sys.executable, self.write("example_%d.py" % block.line, block.text)],
            env={"PYTHONPATH": PYTHON_PACKAGE}))

    def test_a_method_added_to_the_binding_calls_its_operation(self):
        self.run_blocks("python", "method-of", self.check_method)

    def check_method(self, block):
        from meldcode import VersionError
        module_name, class_name = block.attrs["method-of"].rsplit(".", 1)
        module = importlib.import_module(module_name)
        base = getattr(module, class_name)
        scope = dict(vars(importlib.import_module(base.__module__)))
        exec("class Extended(%s):\n%s" % (class_name, textwrap.indent(block.text, "    ")), scope)
        extended = scope["Extended"]
        added = [name for name in vars(extended) if not name.startswith("__")]
        self.assertEqual(len(added), 1)
        with extended({"store_path": os.path.join(self.dir, "meldcode.db"),
                       "keys": {"file": os.path.join(self.dir, "meldcode.keys")}}) as mc:
            with self.assertRaises(VersionError) as raised:
                getattr(mc, added[0])({"id": "erp", "role": "integration"}, {})
        self.assertEqual(raised.exception.code, "missing_symbol")

    def test_docstring_examples_run(self):
        import meldcode
        modules = [meldcode] + [importlib.import_module("meldcode." + name[:-3])
                                for name in sorted(os.listdir(os.path.dirname(meldcode.__file__)))
                                if name.endswith(".py") and name != "__init__.py"]
        attempted = 0
        cwd = os.getcwd()
        os.chdir(self.dir)
        self.addCleanup(os.chdir, cwd)
        for module in modules:
            with self.subTest(module.__name__):
                result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
                self.assertEqual(result.failed, 0)
                attempted += result.attempted
        self.assertGreater(attempted, 0)


class CppTest(HostDirTest):
    def compile(self, block, source, include):
        binary = os.path.join(self.dir, "example_%d" % block.line)
        status, output = run([os.environ.get("CXX", "c++"), "-std=c++17", "-Wall", "-Wextra",
                              "-Werror", "-I", include, "-I", os.path.join(ROOT, "plugin_api", "include"),
                              self.write("example_%d.cpp" % block.line, source), "-o", binary,
                              "-lboost_filesystem", "-ldl"])
        self.assertEqual(status, 0, "%s: %s" % (block, output))
        return binary

    def test_programs_compile_against_the_sdk_and_run(self):
        include = os.path.dirname(os.path.dirname(SDK_HEADER))
        self.run_blocks("cpp", "run", lambda block: self.assert_runs(
            block, [self.compile(block, block.text, include)]))

    def test_a_method_added_to_the_sdk_calls_its_operation(self):
        self.run_blocks("cpp", "method-of", self.check_method)

    def check_method(self, block):
        class_name = block.attrs["method-of"]
        with open(SDK_HEADER, encoding="utf-8") as f:
            header = f.read()
        start = header.index("class %s {" % class_name.rsplit("::", 1)[1])
        end = header.index("\n};", start)
        self.write("include/meldcode/meldcode.hpp",
                   header[:end] + "\npublic:\n" + block.text + header[end:])
        method = re.search(r"(\w+)\(const json& actor", block.text).group(1)
        main = textwrap.dedent("""\
            #include <iostream>
            #include <meldcode/meldcode.hpp>
            int main() {
                const meldcode::sdk::Instance mc(std::make_shared<const meldcode::sdk::Plugin>(),
                    {{"store_path", "meldcode.db"}, {"keys", {{"file", "meldcode.keys"}}}});
                try {
                    mc.%s({{"id", "erp"}, {"role", "integration"}}, nlohmann::json::object());
                } catch (const meldcode::sdk::Error& e) {
                    std::cout << e.code() << '\\n';
                }
            }
            """) % method
        binary = self.compile(block, main, os.path.join(self.dir, "include"))
        self.assertEqual(run([binary], cwd=self.dir), (0, "missing_symbol\n"))


class JavaTest(HostDirTest):
    def java(self, *args):
        return [os.environ.get("JAVA", "java"), "-cp", os.environ["MELDCODE_JAVA_CLASSPATH"]] + list(args)

    def test_programs_run_with_the_binding(self):
        self.run_blocks("java", "run", lambda block: self.assert_runs(
            block, self.java(self.write("Example%d.java" % block.line, block.text))))

    def test_javadoc_examples_run(self):
        # A Javadoc example is the body of a method: run in a main with the
        # binding's package imported.
        examples = []
        for name in sorted(os.listdir(JAVA_SOURCES)):
            with open(os.path.join(JAVA_SOURCES, name), encoding="utf-8") as f:
                for code in re.findall(r"<pre>\{@code\n(.*?)\n \* \}</pre>", f.read(), re.S):
                    examples.append((name, re.sub(r"(?m)^ \* ?", "", code)))
        self.assertTrue(examples)
        for name, code in examples:
            with self.subTest(name):
                source = ("import nl.meldcode.*;\n\npublic class Javadoc {\n"
                          "    public static void main(String[] args) throws Exception {\n%s\n    }\n}\n"
                          % textwrap.indent(code, " " * 8))
                status, output = run(self.java(self.write("Javadoc.java", source)), cwd=self.dir)
                self.assertEqual(status, 0, "%s: %s\n%s" % (name, output, source))

    def test_a_method_added_to_the_binding_calls_its_operation(self):
        self.run_blocks("java", "method-of", self.check_method)

    def check_method(self, block):
        package, class_name = block.attrs["method-of"].rsplit(".", 1)
        sources = []
        for name in sorted(os.listdir(JAVA_SOURCES)):
            with open(os.path.join(JAVA_SOURCES, name), encoding="utf-8") as f:
                text = f.read()
            if name == class_name + ".java":
                end = text.rindex("}")
                text = text[:end] + "\n" + block.text + text[end:]
            sources.append(self.write(os.path.join("src", name), text))
        method = re.search(r"(\w+)\(String actor", block.text).group(1)
        sources.append(self.write("src/Main.java", textwrap.dedent("""\
            import %s.*;
            public class Main {
                public static void main(String[] args) {
                    try (%s mc = new %s(new Plugin(),
                            "{\\"store_path\\": \\"meldcode.db\\", \\"keys\\": {\\"file\\": \\"meldcode.keys\\"}}")) {
                        mc.%s("{\\"id\\":\\"erp\\",\\"role\\":\\"integration\\"}", "{}");
                    } catch (MeldcodeException e) {
                        System.out.println(e.code());
                    }
                }
            }
            """) % (package, class_name, class_name, method)))
        jna = os.environ["MELDCODE_JNA_JAR"]
        classes = os.path.join(self.dir, "classes")
        status, output = run([os.environ.get("JAVAC", "javac"), "-d", classes, "-cp", jna] + sources)
        self.assertEqual(status, 0, output)
        java = os.environ.get("JAVA", "java")
        self.assertEqual(run([java, "-cp", classes + ":" + jna, "Main"], cwd=self.dir),
                         (0, "missing_symbol\n"))


# What a `postgres=NAME` block needs before it runs (as the superuser) and what
# must hold after it (statement -> its output, or "ERROR" when it must fail).
POSTGRES_FIXTURES = {
    # docs/multi-corporation.md: row-level security on a table shared by tenants.
    # Its owner is an ordinary role: superusers pass any policy, owners only
    # pass one that is not FORCEd.
    "shared_outbox": {
        "setup": "CREATE ROLE service; CREATE SCHEMA shared AUTHORIZATION service;"
                 " SET ROLE service;"
                 " CREATE TABLE shared.outbox (tenant text NOT NULL, event_id text NOT NULL);",
        "role": "service",
        "checks": [
            ("SET meldcode.tenant = 'corp-a'; INSERT INTO shared.outbox VALUES ('corp-a', 'evt-a');"
             " SET meldcode.tenant = 'corp-b'; INSERT INTO shared.outbox VALUES ('corp-b', 'evt-b');",
             ""),
            ("SET meldcode.tenant = 'corp-a'; SELECT string_agg(event_id, ',') FROM shared.outbox;",
             "evt-a"),
            ("SET meldcode.tenant = 'corp-b'; SELECT count(*) FROM shared.outbox"
             " WHERE tenant = 'corp-a';", "0"),
            ("SET meldcode.tenant = 'corp-a'; INSERT INTO shared.outbox VALUES ('corp-b', 'evt-x');",
             "ERROR"),
            ("SET meldcode.tenant = 'corp-a'; UPDATE shared.outbox SET tenant = 'corp-b';", "ERROR"),
        ],
    },
}
POSTGRES_BIN = "/usr/lib/postgresql/15/bin"


class PostgresTest(unittest.TestCase):
    """A PostgreSQL cluster of its own in a temporary folder, on a socket only;
    run by an unprivileged user when the tests run as root (PostgreSQL refuses root)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="meldcode-pg-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody", "nogroup")
            self.as_user = ["runuser", "-u", "nobody", "--"]
        data = os.path.join(self.dir, "data")
        self.must([os.path.join(POSTGRES_BIN, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
                   "--no-sync"])
        self.must([os.path.join(POSTGRES_BIN, "pg_ctl"), "-D", data, "-l",
                   os.path.join(self.dir, "log"), "-w", "-o",
                   "-k %s -c listen_addresses='' -c fsync=off" % self.dir, "start"])
        self.addCleanup(run, self.as_user + [os.path.join(POSTGRES_BIN, "pg_ctl"), "-D", data,
                                             "-m", "immediate", "stop"])

    def must(self, command):
        status, output = run(self.as_user + command, cwd=self.dir)
        self.assertEqual(status, 0, output)

    def psql(self, sql, role=None):
        script = ("SET ROLE %s;\n" % role if role else "") + sql
        return run(self.as_user + ["psql", "-h", self.dir, "-U", "postgres", "-d", "postgres", "-X",
                                   "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", script],
                   cwd=self.dir)

    def test_sql_examples_do_what_the_docs_say(self):
        blocks = all_blocks("postgres", "sql")
        self.assertTrue(blocks)
        for block in blocks:
            with self.subTest(str(block)):
                fixture = POSTGRES_FIXTURES[block.attrs["postgres"]]
                self.assertEqual(self.psql(fixture["setup"])[0], 0)
                status, output = self.psql(block.text, fixture["role"])
                self.assertEqual(status, 0, output)
                for sql, expected in fixture["checks"]:
                    status, output = self.psql(sql, fixture["role"])
                    if expected == "ERROR":
                        self.assertNotEqual(status, 0, sql)
                        self.assertIn("row-level security", output, sql)
                    else:
                        self.assertEqual((status, output.strip()), (0, expected), sql)


if __name__ == "__main__":
    unittest.main()
