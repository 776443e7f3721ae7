fn main() {
    kindling::platform::panic::install();
    leptos::mount::mount_to_body(kindling::App);
}
