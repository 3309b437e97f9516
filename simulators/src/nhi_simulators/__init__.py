"""Simulators of the external systems (resident registry, pension, tax) speaking their formats, and the synthetic demo municipality."""
