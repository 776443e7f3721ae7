//! The About page: what Kindling is and where its data stays.

use leptos::prelude::*;

#[component]
pub fn AboutPage() -> impl IntoView {
    view! {
        <section class="page about">
            <h1>"About Kindling"</h1>
            <p>
                "Kindling is an MLOps workbench that runs entirely in this browser tab: "
                "pick data, train a model, and watch it learn. Nothing is installed and "
                "nothing you do leaves this device."
            </p>
            <h2>"How it works"</h2>
            <ul>
                <li>"Models are trained by Burn, compiled to WebAssembly, in a background worker, so the page stays responsive."</li>
                <li>"The interface is written in Rust with Leptos."</li>
            </ul>
            <h2>"Data credits"</h2>
            <p>
                "The synthetic sets (spiral, circles, XOR, moons, Gaussian blobs) are generated in "
                "the page from a seed, after the shapes popularised by TensorFlow Playground and "
                "scikit-learn; the spiral is point for point the one of Kindling's benchmark workloads."
            </p>
        </section>
    }
}
