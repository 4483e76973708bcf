; A video: the recipe is evaluated for each frame with t = i / fps seconds,
; so any parameter may be an expression of t (pure primitives: sin, cos, lerp,
; clamp, ... and pi). The background does not depend on t: one node, computed
; once for every frame. `npx rose-render --out spin.gif gpu-render-service/examples/frames.sexp`
(define bg (gradient :width 64 :height 64 :from "#14213d" :to "#fca311"))
(frames :count 24 :fps 12
  (layer bg
         (-> (resize (noise :width 16 :height 16 :seed 1) :width 64 :height 64 :fit "contain")
             (fx rotate :degrees (* 360 (/ t 2)))
             (fx brightness :amount (* 0.2 (sin (* 2 pi t)))))))
