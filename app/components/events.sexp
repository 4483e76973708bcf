;; The events calendar: upcoming events grouped by month.

(define (month-of e) (subs (:starts_at e) 0 7))

(define month-names
  {:01 "January" :02 "February" :03 "March" :04 "April" :05 "May" :06 "June"
   :07 "July" :08 "August" :09 "September" :10 "October" :11 "November" :12 "December"})

(define (month-title ym)
  (str (get month-names (subs ym 5 7)) " " (subs ym 0 4)))

(defcomp ~event-item (&key event)
  (li :class "event"
    (time :datetime (:starts_at event) (subs (:starts_at event) 8 10))
    (div
      (strong (:title event))
      (p :class "venue" (:venue event) " · " (subs (:starts_at event) 11 16)))))

(defcomp ~events-page (&key events)
  (~base-layout :title "Events"
    (main :class "layout events"
      (section
        (h1 "Events")
        (if (empty? events)
          (p :class "empty" "Nothing coming up yet.")
          (map (fn (m)
                 (section :class "month"
                   (h2 (month-title m))
                   (ul (map (fn (e) (~event-item :event e))
                            (filter (fn (e) (= (month-of e) m)) events)))))
               (distinct (map month-of events))))))))
