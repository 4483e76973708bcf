;; The events calendar: upcoming events grouped by month.

(define (month-of e) (subs (:starts_at e) 0 7))

(defcomp ~event-item (&key event)
  (li :class "event"
    (time :datetime (:starts_at event) (subs (:starts_at event) 8 10))
    (div
      (strong (:title event))
      (p :class "venue" (:venue event) " · " (subs (:starts_at event) 11 16)))))

(defcomp ~events-page (&key events)
  (~base-layout :title "Events"
    (main :class "layout narrow events"
      (~events-list :events events))))

;; The calendar itself: also what the site shares with the instances that
;; follow it (shared-pages), rendered there in their own look.
(defcomp ~events-list (&key events)
  (<>
    (h1 "Events")
    (if (empty? events)
      (p :class "empty" "Nothing coming up yet.")
      (map (fn (m)
             (section :class "month"
               (h2 (month-title m))
               (ul (map (fn (e) (~event-item :event e))
                        (filter (fn (e) (= (month-of e) m)) events)))))
           (distinct (map month-of events))))))
