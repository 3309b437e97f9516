"""Simulators of the external systems (resident registry, pension, welfare, tax) speaking their formats, and the
synthetic demo municipality."""
