# Edgeward site cache: serves cached files (image archives, model files) to the nodes of its own
# site, so they cross the site's link once. Streamed to `python3 -` on the cache node, never
# installed there. Arguments: ADDRESS (the cache's address on the site network), DIR, TOKEN. Only
# GET /TOKEN/NAME is answered, NAME a SHA-256 in hex (with .tar for an image archive) of a regular
# file in DIR: no listing, nothing else of the disk. The chosen port is printed, then it serves
# until the console ends the command.
import http.server
import os
import re
import stat
import sys

address, root, token = sys.argv[1], sys.argv[2], sys.argv[3]
NAME = re.compile(r"^/" + re.escape(token) + r"/([0-9a-f]{64}(?:\.tar)?)$")


class CachedFiles(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        m = NAME.match(self.path)
        path = os.path.join(root, m.group(1)) if m else None
        try:
            st = os.stat(path) if path else None
        except OSError:
            st = None
        if not st or not stat.S_ISREG(st.st_mode):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(st.st_size))
        self.end_headers()
        with open(path, "rb") as f:
            while True:
                block = f.read(1 << 20)
                if not block:
                    break
                self.wfile.write(block)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer((address, 0), CachedFiles)
print("port", server.server_address[1], flush=True)
server.serve_forever()
