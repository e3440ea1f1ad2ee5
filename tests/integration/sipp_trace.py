#!/usr/bin/env python3
"""Reads a SIPp -trace_msg log of invite_405_uac.xml runs and prints, per
Call-ID, one line:  CALLID STATUS BEFORE AFTER TAGS
  STATUS  the final status received (first one)
  BEFORE  final responses received before the client sent its ACK
  AFTER   final responses received after the ACK
  TAGS    distinct To tags among those responses
(SIPp logs an unexpected message twice, once as "message received" and once
as "Unexpected ... message received"; only the first form is counted.)"""
import re
import sys

calls = {}
order = []
text = open(sys.argv[1], encoding="latin-1").read()
# Entries are separated by "-----... timestamp" lines; an entry's first
# line is e.g. "UDP message received [267] bytes :" or "UDP message sent
# (274 bytes):", then a blank line and the message.
for block in re.split(r"^-{10,}.*$", text, flags=re.M):
    block = block.replace("\r", "").strip("\n")
    head, _, msg = block.partition("\n")
    hm = re.match(r"\w+ message (received|sent) [\[(]\d+", head)
    if not hm:
        continue  # includes "Unexpected ... message received:" duplicates
    direction, msg = hm.group(1), msg.strip("\n")
    cid = re.search(r"^(?:Call-ID|i)\s*:\s*(\S+)", msg, re.M | re.I)
    if not cid:
        continue
    c = calls.get(cid.group(1))
    if c is None:
        c = calls[cid.group(1)] = {"status": None, "before": 0, "after": 0,
                                   "acked": False, "tags": set()}
        order.append(cid.group(1))
    if direction == "sent":
        if msg.startswith("ACK "):
            c["acked"] = True
        continue
    st = re.match(r"SIP/2\.0 (\d{3})", msg)
    if not st or int(st.group(1)) < 200:
        continue
    if c["status"] is None:
        c["status"] = int(st.group(1))
    c["after" if c["acked"] else "before"] += 1
    to = re.search(r"^(?:To|t)\s*:.*?;\s*tag=([^;>\s]+)", msg, re.M | re.I)
    c["tags"].add(to.group(1) if to else "-")
for cid in order:
    c = calls[cid]
    print(cid, c["status"], c["before"], c["after"], len(c["tags"]))
