; Random colours, the same for the same seed (the same bytes, the same CID).
(noise :width 64 :height 64 :seed 42)
