; A chain: (-> source step ...). The run of effects is ONE chain node; the
; engine fuses the per-pixel and remap effects into one pass, and blur (a
; neighbourhood effect) gets its own passes. `--explain` shows them.
(-> (noise :width 96 :height 64 :seed 7)
    (fx grayscale)
    (fx contrast :amount 1.4)
    (fx flip :axis "x")
    (fx blur :radius 2)
    (fx sepia :amount 0.8)
    (fx vignette :amount 0.6))
