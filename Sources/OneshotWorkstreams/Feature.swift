/// The workstreams of one feature, as read from disk or built in code.
public struct Feature: Sendable {
    /// The feature's id, e.g. `F052`.
    public var id: FeatureID
    /// Its workstreams, in file order.
    public var workstreams: [Workstream]
    /// Ids of workstreams outside the feature that are known to be done (declared `completed`
    /// in another feature's files); a dependency on one of them is satisfied.
    public var satisfiedExternally: Set<String>
    /// Creates a feature from values in code.
    public init(id: FeatureID, workstreams: [Workstream], satisfiedExternally: Set<String> = []) {
        self.id = id
        self.workstreams = workstreams
        self.satisfiedExternally = satisfiedExternally
    }
}
