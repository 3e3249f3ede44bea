#!/usr/bin/env python3
"""thin_link: run a terminal program on a pseudo-terminal whose output crosses a slow link,
hold a key, and report how the program paced its sixel images.

    thin_link.py --rate BYTES_PER_S --rtt-ms MS --size COLSxROWS --cell WxH
                 --hold S --presses-per-s N --settle S -- COMMAND [ARG...]

The link carries --rate bytes a second, one way takes half of --rtt-ms, and the far end answers
DA1, DSR and the XTWINOPS/XTSMGRAPHICS size queries once everything before them has arrived (as a
sixel terminal does), half a round trip later. After 1.5 s the Right arrow is pressed
--presses-per-s times a second for --hold seconds. Prints one JSON object:

  presses          keys sent
  images           sixel images that arrived
  max_in_flight    the most images at one time that had left the program and not fully arrived
  last_colour      the mean colour (0-255 RGB) of the last image's pixels, from its palette and
                   the pixels drawn in each colour
  last_after_press seconds from the last press to the end of the last image (negative if none
                   came after it)
  counter_start, counter_end  the N of the "N/TOTAL" status counter before the hold and at the
                   end, read with pyte when it is installed (null otherwise)
"""
import argparse, fcntl, json, os, pty, re, select, signal, struct, termios, time
from collections import deque

QUERIES = re.compile(rb"\x1b\[0?c|\x1b\[[56]n|\x1b\[1[468]t|\x1b\[\?[12];1;0S")
SIXEL = re.compile(rb"\x1bP[0-9;]*q.*?\x1b\\", re.S)


def answer(query, cols, rows, cw, ch):
    if query.endswith(b"c"):
        return b"\x1b[?63;4;22c"
    if query == b"\x1b[5n":
        return b"\x1b[0n"
    if query == b"\x1b[6n":
        return b"\x1b[1;1R"
    if query == b"\x1b[14t":
        return b"\x1b[4;%d;%dt" % (rows * ch, cols * cw)
    if query == b"\x1b[16t":
        return b"\x1b[6;%d;%dt" % (ch, cw)
    if query == b"\x1b[18t":
        return b"\x1b[8;%d;%dt" % (rows, cols)
    if query.startswith(b"\x1b[?1"):
        return b"\x1b[?1;0;256S"
    return b"\x1b[?2;0;%d;%dS" % (cols * cw, rows * ch)


def mean_colour(sixel):
    """The mean colour of a sixel image's pixels, weighting each colour register by the pixels
    drawn in it (later colours over earlier ones are not resolved: sixel images from the program
    draw every pixel once)."""
    body = sixel[sixel.index(b"q") + 1:-2]
    palette, counts = {}, {}
    current, i = 0, 0
    while i < len(body):
        c = body[i]
        if c == ord("#"):
            m = re.match(rb"#(\d+)(?:;2;(\d+);(\d+);(\d+))?", body[i:])
            n = int(m.group(1))
            if m.group(2) is not None:
                palette[n] = tuple(round(int(m.group(k)) * 255 / 100) for k in (2, 3, 4))
            current = n
            i += m.end()
        elif c == ord("!"):
            m = re.match(rb"!(\d+)(.)", body[i:], re.S)
            counts[current] = counts.get(current, 0) + int(m.group(1)) * bin(m.group(2)[0] - 63).count("1")
            i += m.end()
        elif c == ord('"'):
            m = re.match(rb'"[0-9;]*', body[i:])
            i += m.end()
        elif 63 <= c <= 126:
            counts[current] = counts.get(current, 0) + bin(c - 63).count("1")
            i += 1
        else:
            i += 1
    total = sum(counts.values()) or 1
    return [round(sum(palette.get(n, (0, 0, 0))[k] * w for n, w in counts.items()) / total) for k in range(3)]


def counter(output, cols, rows):
    try:
        import pyte
    except ImportError:
        return None
    screen = pyte.Screen(cols, rows)
    pyte.ByteStream(screen).feed(SIXEL.sub(b"", output))
    m = re.search(r"(\d+)/(\d+)  [A-Z]", "\n".join(screen.display))
    return int(m.group(1)) if m else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rate", type=float, default=500_000)
    p.add_argument("--rtt-ms", type=float, default=20)
    p.add_argument("--size", default="80x24")
    p.add_argument("--cell", default="10x20")
    p.add_argument("--hold", type=float, default=1.5)
    p.add_argument("--presses-per-s", type=float, default=30)
    p.add_argument("--settle", type=float, default=2.5)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    cols, rows = map(int, a.size.split("x"))
    cw, ch = map(int, a.cell.split("x"))
    half = a.rtt_ms / 2000.0

    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, cols * cw, rows * ch))
    os.set_blocking(fd, False)

    t0 = time.time()
    hold_start = t0 + 1.5
    hold_end = hold_start + a.hold
    next_press, presses, last_press = hold_start, 0, None
    keys = deque()          # (time due at the program, bytes)
    pipe = deque()          # (time fully arrived, offset after the chunk, chunk)
    link_free = 0.0
    sent = 0                # bytes read from the program (they have left it)
    arrived = b""           # what reached the far end, in order
    left_at = []            # offset at which each read chunk starts, and when: to date image starts
    scanned = 0
    image_spans = []        # (offset of the image's first byte, offset after its last byte)
    deliveries = []         # (time, offset after the delivered chunk)
    done = False
    quiet_since = None
    while not done:
        now = time.time()
        while next_press <= now and next_press < hold_end:
            keys.append((next_press + half, b"\x1bOC"))
            presses += 1
            last_press = next_press
            next_press += 1.0 / a.presses_per_s
        while keys and keys[0][0] <= now:
            try:
                os.write(fd, keys.popleft()[1])
            except OSError:
                break
        r, _, _ = select.select([fd], [], [], 0.002)
        if fd in r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                done = True
            else:
                start = max(now, link_free)
                link_free = start + len(data) / a.rate
                sent += len(data)
                left_at.append((sent - len(data), now))
                pipe.append((link_free + half, sent, data))
        while pipe and pipe[0][0] <= now:
            t, offset, data = pipe.popleft()
            arrived += data
            deliveries.append((t, offset))
            for m in QUERIES.finditer(data):
                keys.append((t + half, answer(m.group(), cols, rows, cw, ch)))
        # find the images that have arrived complete
        for m in SIXEL.finditer(arrived, scanned):
            image_spans.append((m.start(), m.end()))
            scanned = m.end()
        if now > hold_end + a.settle and not pipe:
            done = True
    os.kill(pid, signal.SIGTERM)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass

    def left(offset):
        """When the byte at `offset` left the program."""
        when = None
        for start, t in left_at:
            if start <= offset:
                when = t
            else:
                break
        return when

    def delivered(offset):
        """When the byte before `offset` reached the far end."""
        return next(t for t, end in deliveries if end >= offset)

    intervals = [(left(s), delivered(e)) for s, e in image_spans]
    events = sorted([(t, 1) for t, _ in intervals] + [(t, -1) for _, t in intervals], key=lambda e: (e[0], e[1]))
    in_flight = most = 0
    for _, change in events:
        in_flight += change
        most = max(most, in_flight)
    before = arrived[: next((end for t, end in deliveries if t >= hold_start), len(arrived))]
    if os.environ.get("THIN_LINK_DEBUG"):
        for (s, e), (l, d) in zip(image_spans, intervals): print(e - s, round(l - t0, 3), round(d - t0, 3))
    print(json.dumps({
        "presses": presses,
        "images": len(image_spans),
        "max_in_flight": most,
        "last_colour": mean_colour(arrived[image_spans[-1][0]:image_spans[-1][1]]) if image_spans else None,
        "last_after_press": round(intervals[-1][1] - last_press, 3) if intervals and last_press else None,
        "counter_start": counter(before, cols, rows),
        "counter_end": counter(arrived, cols, rows),
    }))


if __name__ == "__main__":
    main()
