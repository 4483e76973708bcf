;; Dates as people read them, from the ISO 8601 timestamps (UTC) queries give.

(define month-names
  {:01 "January" :02 "February" :03 "March" :04 "April" :05 "May" :06 "June"
   :07 "July" :08 "August" :09 "September" :10 "October" :11 "November" :12 "December"})

;; "2026-10" -> "October 2026"
(define (month-title ym)
  (str (get month-names (subs ym 5 7)) " " (subs ym 0 4)))

;; "2026-10-04T09:00:00.000Z" -> "4 October 2026"
(define (long-date iso)
  (str (parse-number (subs iso 8 10)) " " (month-title (subs iso 0 7))))

;; A <time> people can read, with the machine-readable timestamp beside it.
(defcomp ~date (&key at)
  (time :datetime at (long-date at)))
