; Every kind of effect in one chain: per-pixel (fused), remaps (fused, one
; bilinear sample per group), neighbourhood (their own passes).
(-> (gradient :width 96 :height 96 :from "#3d348b" :to "#f7b801")
    (fx hue-shift :degrees 40)
    (fx saturation :amount 1.5)
    (fx gamma :gamma 1.2)
    (fx swirl :degrees 120)
    (fx kaleidoscope :segments 6)
    (fx rgb-split :offset 2)
    (fx scanlines :spacing 3 :amount 0.3)
    (fx sharpen :amount 0.5)
    (fx edge-detect)
    (fx invert)
    (fx bloom :threshold 180 :radius 3))
