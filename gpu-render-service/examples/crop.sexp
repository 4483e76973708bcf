; Crop: the :width x :height rectangle at (:x, :y); it must lie inside the image.
(crop (noise :width 128 :height 128 :seed 5) :x 32 :y 48 :width 64 :height 32)
