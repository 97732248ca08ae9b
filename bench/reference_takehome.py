#!/usr/bin/env python3
"""What most take-home solutions to this assignment do, as a yardstick for `make bench`.

Python + boto3 + psycopg2, one thread: ReceiveMessage 10 at a time, unkeyed SHA-256 of ip and
device_id, one INSERT and one COMMIT per row, one DeleteMessage per message. It is written the
way those solutions are, not tuned, and is NOT a recommended design (the unkeyed hash of an IPv4
address is reversible by brute force; nothing makes a redelivered message a no-op).

    python3 bench/reference_takehome.py --endpoint URL --queue-url URL --database-url URL \
        [--table reference_logins]

Drains until a receive comes back empty (1 s long poll), like bench/ceiling.mjs, and stops the
clock at the last delete. Prints one JSON line: {"messages", "inserted", "seconds", "msgs_per_s"}.
Needs boto3 recent enough to speak SQS's AWS JSON protocol (botocore >= 1.31; the emulator speaks
nothing else) and psycopg2 (Debian: python3-psycopg2).
"""

import argparse
import datetime
import hashlib
import json
import sys
import time

import boto3
import psycopg2


def encode_version(version):
    parts = [int(p) for p in version.split(".")]
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 1000000 + parts[1] * 1000 + parts[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--table", default="reference_logins")
    args = parser.parse_args()

    sqs = boto3.client(
        "sqs",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    conn = psycopg2.connect(args.database_url)
    cur = conn.cursor()
    insert = (
        f"INSERT INTO {args.table} (user_id, device_type, masked_ip, masked_device_id, locale, "
        "app_version, create_date) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )

    messages = inserted = 0
    start = time.monotonic()
    last_delete = start
    while True:
        response = sqs.receive_message(
            QueueUrl=args.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        batch = response.get("Messages", [])
        if not batch:
            break
        for message in batch:
            try:
                event = json.loads(message["Body"])
                masked_ip = hashlib.sha256(event["ip"].encode()).hexdigest()
                masked_device_id = hashlib.sha256(event["device_id"].encode()).hexdigest()
                cur.execute(
                    insert,
                    (
                        event["user_id"],
                        event["device_type"],
                        masked_ip,
                        masked_device_id,
                        event.get("locale"),
                        encode_version(event["app_version"]),
                        datetime.date.today(),
                    ),
                )
                conn.commit()
                inserted += 1
            except (KeyError, ValueError, TypeError, AttributeError):
                conn.rollback()
                continue
            sqs.delete_message(QueueUrl=args.queue_url, ReceiptHandle=message["ReceiptHandle"])
            messages += 1
            last_delete = time.monotonic()

    seconds = last_delete - start
    print(
        json.dumps(
            {
                "messages": messages,
                "inserted": inserted,
                "seconds": round(seconds, 3),
                "msgs_per_s": round(messages / seconds) if seconds > 0 else 0,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
