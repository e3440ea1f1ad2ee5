# ctl.py PORT FIFO EVENTS LIFETIME: relays FIFO lines "COMMAND [PARAMS]" to
# baresip's ctrl_tcp on 127.0.0.1:PORT as netstring JSON and appends what
# baresip sends (events, responses) to EVENTS, one JSON object a line.
# Exits when baresip closes the connection or after LIFETIME seconds.
import json, os, select, socket, sys, time
port, fifo, events, life = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
end = time.monotonic() + life
sock = None
while time.monotonic() < end:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        break
    except OSError:
        time.sleep(0.1)
if sock is None:
    sys.exit("ctl: no connection to ctrl_tcp on port %d" % port)
sock.setblocking(False)
out = open(events, "a", buffering=1)
out.write('{"ctl": "connected"}\n')
fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # RDWR: no EOF between writers
buf, cmdbuf, token = b"", b"", 0
while time.monotonic() < end:
    r, _, _ = select.select([sock, fd], [], [], 0.2)
    if fd in r:
        cmdbuf += os.read(fd, 4096)
        while b"\n" in cmdbuf:
            line, cmdbuf = cmdbuf.split(b"\n", 1)
            parts = line.decode().strip().split(" ", 1)
            if not parts[0]:
                continue
            token += 1
            msg = {"command": parts[0], "token": str(token)}
            if len(parts) > 1:
                msg["params"] = parts[1]
            data = json.dumps(msg).encode()
            sock.setblocking(True)
            sock.sendall(b"%d:%s," % (len(data), data))
            sock.setblocking(False)
            out.write(json.dumps({"ctl": "sent", "msg": msg}) + "\n")
    if sock in r:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            continue
        if not chunk:
            out.write('{"ctl": "closed"}\n')
            break
        buf += chunk
        while True:
            colon = buf.find(b":")
            if colon < 0:
                break
            n = int(buf[:colon])
            if len(buf) < colon + 1 + n + 1:
                break
            payload = buf[colon + 1:colon + 1 + n]
            buf = buf[colon + 2 + n:]
            try:
                out.write(json.dumps(json.loads(payload)) + "\n")
            except ValueError:
                out.write(json.dumps({"ctl": "undecodable", "raw": payload.decode("latin-1")}) + "\n")
