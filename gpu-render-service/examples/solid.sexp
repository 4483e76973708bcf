; One colour: the simplest recipe. `npx rose-render gpu-render-service/examples/solid.sexp`
(solid :width 64 :height 64 :color "#e4572e")
