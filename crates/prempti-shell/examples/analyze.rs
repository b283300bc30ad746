//! Prints the analysis of each argument (cwd /home/dev/p, home /home/dev).
fn main() {
    for a in std::env::args().skip(1) {
        let ctx = prempti_shell::Context {
            cwd: Some("/home/dev/p"),
            home: Some("/home/dev"),
        };
        let r = prempti_shell::analyze_in(&a, &ctx, &prempti_shell::Limits::default());
        println!("{a}\n  {:?}", r);
    }
}
