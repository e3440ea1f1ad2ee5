"""What the seed writers (gen_corpus_*.py) share: one SIP message as text."""


def msg(start, headers, body="", ctype="application/sdp"):
    """start line, header lines, then Content-Type (with a body) and
    Content-Length, CRLF line ends, the body."""
    lines = [start] + list(headers)
    if body:
        lines.append("Content-Type: " + ctype)
    lines.append("Content-Length: %d" % len(body.encode()))
    return "\r\n".join(lines) + "\r\n\r\n" + body
