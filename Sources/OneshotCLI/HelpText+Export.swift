extension HelpText {
    /// `oneshot export --help`.
    static var exportText: String {
        """
        oneshot export — write a feature as a CI pipeline, one job per workstream.

        USAGE
          oneshot export <feature-id> --format github-actions|gitlab-ci [-o FILE]
                         [--features DIR] [-C DIR]

        One job per workstream not declared done (id ws-<ws_id>, other characters than
        letters, digits, - and _ made _, made unique), needs: from depends_on, each
        running exactly its workstream: oneshot <feature-id> --only <ws_id>
        --assume-deps-done. The CI system is the scheduler: logs and declared outputs go
        from job to job as artifacts (the file's header says how); oneshot's checkpoint
        does not. A job's timeout is its workstream's timeout times its attempts, plus
        10 minutes to check out and build oneshot. The pipeline is checked before it is
        written: every needs: names a job, no cycle.

        \(options(for: .export))

        EXAMPLES
          oneshot export F052 --format github-actions -o .github/workflows/F052.yml
          oneshot export F052 --format gitlab-ci > F052.gitlab-ci.yml

        Exit 0 when written, 2 on bad input (flags, files, a cycle) or a FILE that
        cannot be written.
        """
    }
}
