#!/usr/bin/env python3
"""The bed AI ingress's association check, in front of dcmtk's storescp (which accepts any called
AE title): it reads each A-ASSOCIATE-RQ (PS3.8 9.3.2) and answers an unknown called AE title, or a
calling AE title not on the list, with an A-ASSOCIATE-RJ (PS3.8 9.3.4), as a PACS or AI gateway does.
Accepted associations are relayed byte for byte to storescp.

  dicom-ae-front.py LISTEN_PORT BACKEND_PORT CALLED_AE [CALLING_AE ...]   (no calling AE: any)
"""
import socket
import struct
import sys
import threading

listen_port, backend_port, called_ae = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
calling_aes = set(sys.argv[4:])

# A-ASSOCIATE-RJ: result 1 (rejected-permanent), source 1 (DICOM UL service-user), reason 7
# (called AE title not recognized) or 3 (calling AE title not recognized).
def reject(reason):
    return bytes([0x03, 0x00]) + struct.pack(">I", 4) + bytes([0x00, 0x01, 0x01, reason])


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def pump(src, dst):
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    try:
        head = read_exact(client, 6)
        body = read_exact(client, struct.unpack(">I", head[2:6])[0])
        if head[0] != 0x01:
            client.close()
            return
        called = body[4:20].decode("ascii", "replace").strip()
        calling = body[20:36].decode("ascii", "replace").strip()
        if called != called_ae:
            client.sendall(reject(7))
        elif calling_aes and calling not in calling_aes:
            client.sendall(reject(3))
        else:
            backend = socket.create_connection(("127.0.0.1", backend_port))
            backend.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            backend.sendall(head + body)
            threading.Thread(target=pump, args=(backend, client), daemon=True).start()
            pump(client, backend)
            return
        client.close()
    except (OSError, ConnectionError):
        client.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", listen_port))
server.listen(16)
while True:
    conn, _ = server.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
