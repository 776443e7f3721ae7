use burn::tensor::Device;
use kindling_core::spec::Backend;

/// The autodiff device for a backend choice, seeded so weight initialisation is reproducible.
pub fn device_for(backend: Backend, seed: u64) -> Device {
    let device = match backend {
        // ndarray is the product's default until the benchmark shows flex is clearly faster;
        // Burn marks it deprecated in favour of flex, which is why the choice stays open.
        #[allow(deprecated)]
        Backend::NdArray => Device::ndarray(),
        Backend::Flex => Device::flex(),
    }
    .autodiff();
    device.seed(seed);
    device
}
