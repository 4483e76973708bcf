; One effect: (fx NAME source :param value ...). Without a source, (fx ...) is a step for ->.
(fx posterize :levels 4 (gradient :width 128 :height 32 :from "#000000" :to "#ffb000"))
