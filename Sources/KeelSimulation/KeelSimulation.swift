/// KeelSimulation: deterministic simulator and linearizability checker (test support).
