"""Produces messages with librdkafka (confluent-kafka, PyPI), a producer that is not the JS client the
source consumes with: each batch with its own compression codec, into the partition it names, over
SASL_SSL with SCRAM as the test broker serves it. Run by test/codecs.test.ts with the virtualenv that
`test/servers/obtain.sh confluent-kafka` installs.

Reads one JSON document on stdin (the password travels there, never on the command line):
  {"bootstrap": "127.0.0.1:9093", "ca": "<PEM>", "username": "...", "password": "...",
   "mechanism": "SCRAM-SHA-512", "topic": "...",
   "batches": [{"compression": "zstd", "partition": 0,
                "messages": [{"key": "user-1" | null, "value": "<text>" | null}]}]}
A null value is a tombstone. Prints {"sent": <messages acknowledged>} on stdout.
"""

import json
import sys
import tempfile

from confluent_kafka import KafkaException, Producer


def main() -> None:
    spec = json.load(sys.stdin)
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as ca:
        ca.write(spec["ca"])
        ca.flush()
        sent = 0
        failures = []

        def delivered(error, _message) -> None:
            nonlocal sent
            if error is None:
                sent += 1
            else:
                failures.append(str(error))

        for batch in spec["batches"]:
            # One producer per codec: compression.type is a producer setting. linger.ms keeps a batch's
            # messages in one compressed record batch per partition.
            producer = Producer(
                {
                    "bootstrap.servers": spec["bootstrap"],
                    "security.protocol": "SASL_SSL",
                    "sasl.mechanism": spec["mechanism"],
                    "sasl.username": spec["username"],
                    "sasl.password": spec["password"],
                    "ssl.ca.location": ca.name,
                    "compression.type": batch["compression"],
                    "linger.ms": 200,
                    "acks": "all",
                    "enable.idempotence": False,
                    "message.max.bytes": 4 * 1024 * 1024,
                }
            )
            for message in batch["messages"]:
                value = message.get("value")
                key = message.get("key")
                producer.produce(
                    spec["topic"],
                    value=None if value is None else value.encode("utf-8"),
                    key=None if key is None else key.encode("utf-8"),
                    partition=batch["partition"],
                    on_delivery=delivered,
                )
                producer.poll(0)
            left = producer.flush(60)
            if left:
                raise KafkaException(f"{left} message(s) not delivered within 60 s")
        if failures:
            raise KafkaException("; ".join(sorted(set(failures))))
        print(json.dumps({"sent": sent}))


if __name__ == "__main__":
    main()
