#!/usr/bin/env python3
"""A MySQL-protocol server that asks every client to switch to an
authentication method that sends the password in clear text
(mysql_clear_password), records what the client sends back, and refuses it.

    fake_auth_server.py PORTFILE LOGFILE [native]
Listens on 127.0.0.1 (a free port, written to PORTFILE once listening) for
one connection, appends every byte received after the switch request to
LOGFILE, then exits.  With "native" it asks for nothing more than the
handshake and writes the length of the client's mysql_native_password
answer ("0": the client sent no password)."""
import socket, struct, sys

def packet(seq, payload):
    return struct.pack('<I', len(payload))[:3] + bytes([seq]) + payload

def read_packet(c):
    head = b''
    while len(head) < 4:
        d = c.recv(4 - len(head))
        if not d:
            return None
        head += d
    n = head[0] | head[1] << 8 | head[2] << 16
    body = b''
    while len(body) < n:
        d = c.recv(n - len(body))
        if not d:
            return None
        body += d
    return body

def main():
    portfile, logfile = sys.argv[1], sys.argv[2]
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    s.listen(1)
    s.settimeout(60)
    with open(portfile + '.tmp', 'w') as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(portfile + '.tmp', portfile)
    c, _ = s.accept()
    c.settimeout(30)
    caps = 0x1 | 0x8 | 0x200 | 0x8000 | 0x80000
    scramble = b'abcdefghijklmnopqrst'
    hs = (b'\x0a' + b'5.5.5-10.11.0-MariaDB-fake\x00' + struct.pack('<I', 7) + scramble[:8] + b'\x00'
          + struct.pack('<H', caps & 0xffff) + b'\x2d' + struct.pack('<H', 2) + struct.pack('<H', caps >> 16)
          + bytes([21]) + b'\x00' * 10 + scramble[8:] + b'\x00' + b'mysql_native_password\x00')
    c.sendall(packet(0, hs))
    resp = read_packet(c)
    if resp is None:
        return
    if len(sys.argv) > 3 and sys.argv[3] == 'native':
        user_end = resp.index(b'\x00', 32)
        with open(logfile, 'a') as f:
            f.write(str(resp[user_end + 1]))
        c.sendall(packet(2, b'\xff' + struct.pack('<H', 1045) + b'#28000' + b'Access denied (fake server)'))
        c.close()
        return
    c.sendall(packet(2, b'\xfe' + b'mysql_clear_password\x00'))
    got = b''
    p = read_packet(c)
    if p is not None:
        got = p
    with open(logfile, 'ab') as f:
        f.write(got)
    try:
        c.sendall(packet(4, b'\xff' + struct.pack('<H', 1045) + b'#28000' + b'Access denied (fake server)'))
    except OSError:
        pass
    c.close()

main()
