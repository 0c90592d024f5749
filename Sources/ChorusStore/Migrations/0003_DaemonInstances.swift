extension Migrations {
    /// What each running `chorus run` instance last said about itself, for `chorus status`: a heartbeat
    /// row per instance, refreshed every few seconds, with its sources (which it works, which it stands by
    /// for), their backlog and last errors, and the rule-set version it drafts with.
    static let daemonInstances = Migration(version: 3, name: "daemon_instances", sql: """
        CREATE TABLE chorus.daemon_instances (
            -- host:pid:start time, unique per process.
            instance        text PRIMARY KEY,
            host            text NOT NULL,
            pid             integer NOT NULL,
            started_at      timestamptz NOT NULL,
            heartbeat_at    timestamptz NOT NULL DEFAULT now(),
            -- starting, running, reloading, stopping, stopped.
            phase           text NOT NULL,
            ruleset_version text NOT NULL,
            -- The line the daemon last sent systemd as STATUS=.
            status          text NOT NULL,
            -- {source: {role, eventsQueued, lastCommitAt, lastError, backlog, backlogUnit}}.
            sources         jsonb NOT NULL DEFAULT '{}'
        );
        CREATE INDEX daemon_instances_by_heartbeat ON chorus.daemon_instances (heartbeat_at DESC);
        """)
}
