"""Client side: connections and contexts."""
