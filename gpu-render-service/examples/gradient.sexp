; A horizontal gradient: column x gets from + (to - from) * x / (width - 1), rounded.
(gradient :width 128 :height 64 :from "#1d3557" :to "#f1faee")
