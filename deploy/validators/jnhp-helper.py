#!/usr/bin/env python3
"""A helper validator for JNHP (a `helper:` hook), standard library only.

The gateway starts it once and keeps it running. It reads one JSON request
per line on stdin, {"id","name","value","transport","remoteAddress","user"},
and answers one line per request on stdout: "<id> JNHP:1" allows the STORE,
"<id> JNHP:0" refuses it. Load what is slow to load (a word list, a model)
once, before the loop: that is the point of a helper. It ends at EOF.

Refuses values longer than --max-bytes or holding a word of --deny-file.

  jnhp-gateway --validator 'helper:deploy/validators/jnhp-helper.py --max-bytes 200 --deny-file deny.txt'
"""
import argparse
import json
import os
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--max-bytes', type=int, default=0)
    parser.add_argument('--deny-file')
    args = parser.parse_args()
    words = []
    if args.deny_file:
        with open(args.deny_file, encoding='utf-8') as f:
            words = [w.strip().lower() for w in f if w.strip()]

    def allows(value):
        if args.max_bytes and len(value.encode()) > args.max_bytes:
            return False
        value = value.lower()
        return not any(word in value for word in words)

    pending = b''
    while True:
        # Whatever has arrived, however many requests: answered in one write.
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return
        *lines, pending = (pending + chunk).split(b'\n')
        answers = []
        for line in filter(bytes.strip, lines):
            request = json.loads(line)
            answers.append(f"{request['id']} JNHP:{int(allows(request['value']))}\n")
        sys.stdout.write(''.join(answers))
        sys.stdout.flush()


if __name__ == '__main__':
    main()
