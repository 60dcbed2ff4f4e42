"""The Quix Streams peer: an Application reading the topic, our contract in ``apply`` and a
BatchingSink that inserts each checkpoint's batch with clickhouse-connect. Imported only in
the Quix virtualenv (pipeline.bench.peer_run)."""

from __future__ import annotations

import argparse
import tempfile

from quixstreams import Application, message_context
from quixstreams.models.topics.admin import TopicAdmin
from quixstreams.models.topics.topic import TopicConfig
from quixstreams.sinks import BatchingSink, SinkBatch

from pipeline.bench.peer_job import Pending, Progress, Validator, Writer


def _inspect_from_metadata(
    self: TopicAdmin, topic_names: list[str], timeout: float = 30
) -> dict[str, TopicConfig | None]:
    """Quix checks topics with DescribeConfigs, which the embedded broker (librdkafka's mock
    cluster) does not answer ("Failed while waiting for controller: Local: Timed out"): read
    partitions and replicas from the metadata instead, as Quix itself does, without the
    topic's extra configs (retention and the like, which this stateless app never reads)."""
    cluster = self.list_topics(timeout=timeout)
    return {
        name: TopicConfig(
            num_partitions=len(cluster[name].partitions),
            replication_factor=len(cluster[name].partitions[0].replicas),
        )
        if name in cluster
        else None
        for name in topic_names
    }


TopicAdmin.inspect_topics = _inspect_from_metadata


class ClickHouseSink(BatchingSink):
    """Quix hands the sink one batch per topic partition at each checkpoint, and commits
    that partition's offsets only after ``write`` returned: at-least-once, like the worker.
    The rows are built here, a batch at a time (complaints are classified in batches)."""

    def __init__(self, writer: Writer, app: Application) -> None:
        super().__init__()
        self.writer, self.app = writer, app

    def write(self, batch: SinkBatch) -> None:
        self.writer.write([item.value for item in batch if item.value is not None])
        if self.writer.progress.done:
            self.app.stop()  # the checkpoint in progress still commits


def run(args: argparse.Namespace, progress: Progress, validate: Validator, writer: Writer) -> None:
    state = tempfile.mkdtemp(prefix="gapwatch-quix-")
    app = Application(
        broker_address=args.bootstrap,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        auto_create_topics=False,  # the embedded broker cannot create topics on request
        use_changelog_topics=False,  # stateless: no state, no changelog
        state_dir=state,
        # The worker's batching: a checkpoint (sink flush, then commit) every batch of
        # messages or batch wait, whichever comes first.
        commit_every=args.batch,
        commit_interval=args.batch_seconds,
        consumer_extra_config={"fetch.wait.max.ms": 50},  # as the worker's
    )
    topic = app.topic(args.topic, value_deserializer="bytes", key_deserializer="bytes")

    def validated(raw: bytes) -> Pending | None:
        progress.received()
        context = message_context()
        return validate(raw, context.partition, context.offset)

    sdf = app.dataframe(topic).apply(validated)
    sdf.sink(ClickHouseSink(writer, app))
    app.run()
