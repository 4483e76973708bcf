; (segment video :start s :end s): the frames with start <= t < end.
(segment (frames :count 48 :fps 12
           (fx hue-shift :degrees (* 90 t) (gradient :width 64 :height 32 :from "#ff0000" :to "#00ff00")))
         :start 1 :end 2.5)
