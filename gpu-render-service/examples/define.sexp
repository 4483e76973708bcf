; Earlier forms may define helpers: values, images, functions. The LAST form
; is the recipe. Helpers' names never enter a node's key: the canonical form
; of what they compute does.
(define accent "#2a9d8f")
(define (card color)
  (-> (solid :width 64 :height 64 :color color)
      (fx vignette :amount 0.8)))
(layer (gradient :width 64 :height 64 :from "#264653" :to "#e9c46a")
       (crop (resize (card accent) :width 96 :height 96) :x 16 :y 16 :width 64 :height 64))
