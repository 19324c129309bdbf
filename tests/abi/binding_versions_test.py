"""Each language binding declares the C ABI version it needs (the version it
hands to mc_abi_check) and must call no function newer than that: a plugin of
the declared version would pass the negotiation and then lack the function.

When a function came is read from meldcode.h, where each function added after
1.0 says "Since ABI 1.N." in its comment; plugin_api/ABI.md's history must name
it in that version's row. A binding "calls" every mc_ function whose name it
holds as a string literal (its prototype table, its methods, its list of
call shapes)."""
import os
import re
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADER = os.path.join(ROOT, "plugin_api", "include", "meldcode", "meldcode.h")
ABI_MD = os.path.join(ROOT, "plugin_api", "ABI.md")
PYTHON = os.path.join(ROOT, "host_adapters", "python", "meldcode")
JAVA = os.path.join(ROOT, "host_adapters", "java", "src", "nl", "meldcode")
FIRST_RELEASE = (1, 0)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def header_versions():
    """{function: (major, minor)} for every function meldcode.h declares."""
    # A declaration and the comment lines right above it.
    declaration = re.compile(r"((?:^(?:/\*| \*).*\n)*)^MC_API\b[^(]*?\b(mc_\w+)\(", re.M)
    versions = {}
    for comment, name in declaration.findall(read(HEADER)):
        since = re.search(r"Since ABI (\d+)\.(\d+)\.", " ".join(comment.split()))
        versions[name] = (int(since.group(1)), int(since.group(2))) if since else FIRST_RELEASE
    return versions


def header_abi_version():
    text = read(HEADER)
    return tuple(int(re.search(r"#define MC_ABI_VERSION_%s (\d+)" % part, text).group(1))
                 for part in ("MAJOR", "MINOR"))


def history():
    """{(major, minor): the text of its row} from ABI.md's History table."""
    section = read(ABI_MD).split("\n## History\n", 1)[1]
    return {(int(major), int(minor)): text
            for major, minor, text in re.findall(r"^\| (\d+)\.(\d+) \| (.*) \|$", section, re.M)}


def functions_named(directory, suffix):
    """The mc_ function names held as string literals in a binding's sources."""
    names = set()
    for file in sorted(os.listdir(directory)):
        if file.endswith(suffix):
            names.update(re.findall(r"""["'](mc_\w+)["']""", read(os.path.join(directory, file))))
    return names


def python_declared():
    text = read(os.path.join(PYTHON, "_native.py"))
    return tuple(int(re.search(r"^ABI_VERSION_%s = (\d+)$" % part, text, re.M).group(1))
                 for part in ("MAJOR", "MINOR"))


def java_declared():
    text = read(os.path.join(JAVA, "Plugin.java"))
    found = re.search(r"ABI_VERSION_MAJOR = (\d+), ABI_VERSION_MINOR = (\d+);", text)
    return int(found.group(1)), int(found.group(2))


def problems(declared, used):
    """What is wrong with a binding that declares ABI `declared` and calls `used`."""
    versions = header_versions()
    found = ["%s: not declared in meldcode.h" % name for name in sorted(used - versions.keys())]
    found += ["%s: since ABI %d.%d, the binding declares %d.%d" % ((name,) + versions[name] + declared)
              for name in sorted(used & versions.keys())
              if versions[name][0] != declared[0] or versions[name] > declared]
    if declared > header_abi_version():
        found.append("declares ABI %d.%d, newer than meldcode.h's" % declared)
    return found


class BindingVersionsTest(unittest.TestCase):
    def test_the_header_and_abi_md_agree_on_when_each_function_came(self):
        rows = history()
        self.assertIn(FIRST_RELEASE, rows)
        self.assertEqual(max(rows), header_abi_version(), "ABI.md's newest row is not MC_ABI_VERSION")
        versions = header_versions()
        self.assertGreater(len(versions), 20)
        for name, version in versions.items():
            with self.subTest(function=name):
                self.assertIn(version, rows, "meldcode.h says since %d.%d" % version)
                if version != FIRST_RELEASE:
                    self.assertIn("`%s`" % name, rows[version],
                                  "ABI.md's %d.%d row does not name it" % version)

    def test_the_python_binding_calls_nothing_newer_than_it_declares(self):
        used = functions_named(PYTHON, ".py")
        self.assertIn("mc_ticket_closed", used)
        self.assertEqual(problems(python_declared(), used), [])

    def test_the_java_binding_calls_nothing_newer_than_it_declares(self):
        used = functions_named(JAVA, ".java")
        self.assertIn("mc_ticket_closed", used)
        self.assertEqual(problems(java_declared(), used), [])

    def test_a_binding_that_declares_1_0_and_calls_1_1_functions_is_found(self):
        # What both bindings declared until they were fixed.
        found = problems((1, 0), functions_named(PYTHON, ".py"))
        self.assertIn("mc_audit_verify: since ABI 1.1, the binding declares 1.0", found)
        self.assertIn("mc_purge: since ABI 1.1, the binding declares 1.0", found)
        self.assertEqual(problems((1, 0), {"mc_open", "mc_close"}), [])
        self.assertEqual(problems((1, 1), {"mc_not_there"}),
                         ["mc_not_there: not declared in meldcode.h"])
        self.assertEqual(problems((2, 0), {"mc_open"}),
                         ["mc_open: since ABI 1.0, the binding declares 2.0",
                          "declares ABI 2.0, newer than meldcode.h's"])


if __name__ == "__main__":
    unittest.main()
