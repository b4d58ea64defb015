"""Records: the append-only, hash-chained trail of every action on a case (留痕, replay)."""
