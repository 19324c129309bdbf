#!/usr/bin/env python3
"""Writes a meldcoded configuration file: the ONE place where scripts/run and
the tests build the sidecar's config and the plugin config inside it.

Tokens are random; the file keeps only their SHA-256 hashes. As a program
(scripts/run): creates the config and a demo token file once, mode 0600.
"""
import argparse
import hashlib
import json
import os
import secrets


def plugin_config(store_path):
    """The object meldcoded passes verbatim to mc_open (schemas/config.schema.json).

    The key ring that seals the store's content lives next to the store, made
    once with a fresh random key, readable by its owner only: losing it means
    losing the store's content (docs/encryption-and-audit.md)."""
    keys = os.path.join(os.path.dirname(os.path.abspath(store_path)), "meldcode.keys")
    if not os.path.exists(keys):
        ring = {"active": "k1", "keys": {"k1": secrets.token_hex(32)}}
        write_private(keys, json.dumps(ring) + "\n", exclusive=True)
    return {"store_path": store_path, "keys": {"file": keys}}


def new_token():
    return "mct_" + secrets.token_urlsafe(32)


def token_entry(token, **identity):
    """identity: actor={"id","role"} or integration={"id","acts_for":[...]}."""
    return {"sha256": hashlib.sha256(token.encode()).hexdigest(), **identity}


def sidecar_config(plugin_path, store_path, tokens, port=8080, limits=None, extra=None):
    config = {
        "listen": {"address": "127.0.0.1", "port": port, "threads": 4},
        "plugin_path": plugin_path,
        "plugin": plugin_config(store_path),
        "tokens": tokens,
        "log_level": "info",
    }
    if limits:
        config["limits"] = limits
    for key, value in (extra or {}).items():
        if key == "listen":
            config["listen"].update(value)  # the port stays the one given
        else:
            config[key] = value
    return config


def demo_token_entry(token):
    """The demo token of scripts/run: an integration that may act for anyone. It
    drives the whole walk-through (docs/http-sidecar.md) with X-Acting-* headers."""
    return token_entry(token, description="demo integration (scripts/run)",
                       integration={"id": "demo-erp", "acts_for": [
                           {"role": "observer", "actors": ["*"]},
                           {"role": "officer", "actors": ["*"]}]})


def write_private(path, text, exclusive=False):
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def upgrade(config_path):
    """A data directory from before encryption at rest: give its store a key ring."""
    with open(config_path) as f:
        config = json.load(f)
    if "keys" not in config["plugin"]:
        config["plugin"] = plugin_config(config["plugin"]["store_path"])
        write_private(config_path, json.dumps(config, indent=2) + "\n")
        print("meldcoded: added a key ring to %s" % config_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="data directory (config, store, token)")
    parser.add_argument("--plugin", required=True, help="path of libmeldcode.so")
    args = parser.parse_args()
    os.makedirs(args.data, mode=0o700, exist_ok=True)
    config_path = os.path.join(args.data, "meldcoded.json")
    if os.path.exists(config_path):
        upgrade(config_path)
        return
    token = new_token()
    tokens = [demo_token_entry(token)]
    config = sidecar_config(os.path.abspath(args.plugin),
                            os.path.abspath(os.path.join(args.data, "meldcode.db")), tokens)
    write_private(config_path, json.dumps(config, indent=2) + "\n")
    write_private(os.path.join(args.data, "demo_token"), token + "\n")
    print("meldcoded: created %s and a demo token (shown once below, kept in %s, mode 0600)"
          % (config_path, os.path.join(args.data, "demo_token")))
    print("  demo token: " + token)


if __name__ == "__main__":
    main()
