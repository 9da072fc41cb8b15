#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// C functions that the C library has but Swift's `Glibc` module does not import (declared only
/// under `_GNU_SOURCE`, in a header it leaves out, or variadic): looked up by name, once.
enum HiddenLibCFunction {
    /// The function `name` of this process's C library as a `@convention(c)` function of type
    /// `Function`, or `nil` when the library has none (an older glibc, another platform).
    static func lookUp<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    /// `pipe2(fds, flags)`, glibc 2.9+ (Linux only).
    static let pipe2 = lookUp("pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)

    /// Names the calling thread `name` for the system (`ps -L`, `/proc/<pid>/task/<tid>/comm`,
    /// debuggers, profilers): the first 15 bytes on Linux.
    static func nameThisThread(_ name: String) {
        #if os(Linux)
            typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
            guard let setName = lookUp("pthread_setname_np", as: SetName.self) else { return }
            _ = setName(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self))
        #elseif canImport(Darwin)
            _ = pthread_setname_np(name)
        #endif
    }
}
