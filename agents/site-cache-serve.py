# Edgeward site cache: serves one cached image archive to the nodes of its own site, so an image
# crosses the site's link once. Streamed to `python3 -` on the cache node, never installed there.
# Arguments: ADDRESS (the cache's address on the site network), FILE, TOKEN. Only GET /TOKEN is
# answered (no listing, nothing else of the disk); the chosen port is printed, then it serves
# until the console ends the command.
import http.server
import os
import sys

address, path, token = sys.argv[1], sys.argv[2], sys.argv[3]


class OneFile(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/" + token:
            self.send_error(404)
            return
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with open(path, "rb") as f:
            while True:
                block = f.read(1 << 20)
                if not block:
                    break
                self.wfile.write(block)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer((address, 0), OneFile)
print("port", server.server_address[1], flush=True)
server.serve_forever()
