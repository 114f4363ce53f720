import KeelWire
