;; Federation: the documents this instance received from the instances it
;; follows (/fed/ and /fed/<handle>/<slug>/), shown in this site's look with
;; where each comes from, and the operator's view (/_sexp/federation).

;; Where a received document is served here: /fed/hannah@a.example/apple-day/.
(define (fed-path d) (str "/fed/" (:handle d) "/" (:slug d) "/"))

;; A received document's title: its name, else its slug.
(define (fed-title d) (or (:name d) (:slug d)))

;; Where a received component is served here: /fed/components/a.example/~card/.
(define (fed-component-path c) (str "/fed/components/" (:instance c) "/" (:name c) "/"))

;; A moment people can read, to the minute (UTC), with the timestamp beside it.
(defcomp ~fed-time (&key at)
  (time :datetime at (str (long-date at) ", " (subs at 11 16) " UTC")))

;; /fed/'s aside: what this page is, and where the operator manages it.
(defcomp ~fed-about ()
  (<>
    (h2 "Federation")
    (p :class "note"
      "Pages published by the instances this one follows over ActivityPub: each is fetched from its origin, "
      "verified against its hash and CID, and shown in this site's own look.")
    (ul :class "nav-tree"
      (li (~nav-link :href "/fed/" "Everything received"))
      (li (~nav-link :href "/fed/components/" "Components"))
      (li (a :href "/_sexp/federation" "Operator's view")))))

;; A document page's aside: every received document, the current one marked.
(defcomp ~fed-nav (&key documents current)
  (<>
    (h2 "Received")
    (ul :class "nav-tree"
      (li (~nav-link :href "/fed/" "Everything received"))
      (map (fn (d)
             (li (~nav-link :href (fed-path d)
                   (if (= (fed-path d) current)
                     (span :aria-current "page" (fed-title d))
                     (fed-title d)))))
           documents))))

;; How to follow an instance, where nothing has arrived yet.
(defcomp ~fed-how-to-follow ()
  (div :class "empty fed-empty"
    (p "Nothing has arrived yet: this instance follows no one, or those it follows have published nothing since.")
    (p "To follow an instance, send its actor's URL or a handle (" (code "user@host") ") to "
       (code "POST /_sexp/federation/follow") " as the form field " (code "account") ", e.g.")
    (pre :class "code" "curl -d account=site@other.example https://this.example/_sexp/federation/follow")
    (p "or use the form on the operator's page, " (a :href "/_sexp/federation" "/_sexp/federation")
       ". What it publishes from then on arrives here.")))

;; /fed/: what this instance received, newest first.
(defcomp ~fed-index (&key documents)
  (<>
    (h1 "From other instances")
    (if (empty? documents)
      (~fed-how-to-follow)
      (ul :class "posts fed-documents"
        (map (fn (d)
               (li (~nav-link :href (fed-path d) (fed-title d))
                   (div :class "fed-meta"
                     (span :class "fed-handle" (:handle d)) " · from " (span :class "fed-instance" (:instance d))
                     (when (:published_at d) (<> " · " (~date :at (:published_at d))))
                     (when (:updated_at d) (<> " · updated " (~date :at (:updated_at d)))))
                   (when (:summary d) (p :class "excerpt" (:summary d)))))
             documents)))))

;; Where a received document comes from: its instance and author, the
;; original, its CID (served here, verified) and when it arrived.
(defcomp ~fed-provenance (&key doc)
  (div :class "provenance" :role "note" :aria-label "Where this page comes from"
    (p :class "provenance-source"
      "From " (strong (:instance doc)) ", by " (strong (:handle doc)))
    (dl :class "details provenance-details"
      (when (:url doc)
        (<> (dt "Original") (dd (a :href (:url doc) :rel "nofollow noopener" (:url doc)))))
      (dt "CID") (dd (a :href (str "/ipfs/" (:cid doc)) (code (:cid doc))))
      (when (:published_at doc)
        (<> (dt "Published") (dd (~date :at (:published_at doc)))))
      (when (:updated_at doc)
        (<> (dt "Updated") (dd (~fed-time :at (:updated_at doc)))))
      (dt "Received") (dd (~fed-time :at (:received_at doc))))
    (p :class "provenance-note"
      "Verified against its hash and CID when it arrived, and shown with this site's components.")))

;; The main panel of /fed/<handle>/<slug>/: where it comes from, then the
;; document itself (`content`: the route's (federated doc)).
(defcomp ~fed-document (&key doc &rest content)
  (div :class "fed-document"
    (~fed-provenance :doc doc)
    (div :class "fed-content" content)))

;; Components ------------------------------------------------------------------

;; /fed/components/: what each followed instance shares, by instance.
(defcomp ~fed-components (&key components)
  (<>
    (h1 "Components from other instances")
    (p :class "note"
      "The components the instances this one follows share. Each was fetched from its origin, "
      "verified against its hash and CID and checked like anything federated: it lays out what it is given, "
      "and reads and writes nothing here. Where this site has a component of the same name, its own is used.")
    (if (empty? components)
      (~fed-how-to-follow)
      (map (fn (instance)
             (section :class "fed-instance-components"
               (h2 instance)
               (ul :class "fed-component-list"
                 (map (fn (c) (li (a :href (fed-component-path c) (code (:name c)))))
                      (filter (fn (c) (= (:instance c) instance)) components)))))
           (distinct (map (fn (c) (:instance c)) components))))))

;; The aside of a component's page: the others from its instance.
(defcomp ~fed-component-nav (&key components current)
  (<>
    (h2 "Components")
    (ul :class "nav-tree"
      (li (~nav-link :href "/fed/components/" "All components"))
      (map (fn (c)
             (li (~nav-link :href (fed-component-path c)
                   (if (= (fed-component-path c) current)
                     (span :aria-current "page" (:name c))
                     (:name c)))))
           components))))

;; One received component: where it comes from, its source, what it uses.
(defcomp ~fed-component (&key component)
  (let ((c component))
    (article :class "fed-document fed-component"
      (h1 (code (:name c)))
      (div :class "provenance" :role "note" :aria-label "Where this component comes from"
        (p :class "provenance-source" "Shared by " (strong (:instance c)))
        (dl :class "details provenance-details"
          (dt "Original") (dd (a :href (:id c) :rel "nofollow noopener" (:id c)))
          (dt "CID") (dd (a :href (str "/ipfs/" (:cid c)) (code (:cid c))))
          (dt "Hash") (dd (code (:hash c)))
          (dt "Received") (dd (~fed-time :at (:received_at c)))))
      (h2 "Source")
      (pre :class "code fed-source" (code (:pretty c)))
      (when (not (empty? (:definitions c)))
        (<>
          (h2 "Uses")
          (ul :class "fed-component-list"
            (map (fn (d) (li (code (:name d)) " " (span :class "fed-meta" (subs (:hash d) 0 16))))
                 (:definitions c))))))))

;; Operator's view ------------------------------------------------------------

(defcomp ~fed-state (&key state)
  (span :class (str "fed-badge fed-" state) state))

;; /_sexp/federation: this instance's actor, whom it follows and who follows
;; it, what it received, and the last activities with what came of them.
(defcomp ~federation-page (&key actor-url handle following followers documents components activities)
  (~base-layout :title "Federation"
    (main :class "layout fed-operator"
      (h1 "Federation")
      (dl :class "details"
        (dt "This instance") (dd (a :href actor-url (code actor-url)))
        (dt "Handle") (dd (code handle))
        (dt "Received pages") (dd (a :href "/fed/" "/fed/"))
        (dt "Received components") (dd (a :href "/fed/components/" "/fed/components/")))
      (form :class "fed-publish" :method "post" :action "/_sexp/federation/publish"
        (button :type "submit" "Publish now")
        (span :class "note" " Sends what changed since (components after a deploy, shared pages, posts) to the followers, and a Delete of what is gone."))

      (h2 "Follow an instance")
      (form :class "filters fed-follow" :method "post" :action "/_sexp/federation/follow"
        (label "Account (an actor's URL, or user@host)"
          (input :name "account" :required true :placeholder "site@other.example" :autocomplete "off"))
        (button :type "submit" "Follow"))

      (h2 "Following " (span :class "count" (count following)))
      (if (empty? following)
        (p :class "empty" "This instance follows no one yet.")
        (div :class "table-scroll"
          (table :class "lines"
            (thead (tr (th "Account") (th "State") (th "Asked") (th "Accepted") (th "")))
            (tbody
              (map (fn (f)
                     (tr (td (a :href (:remote f) (:handle f)))
                         (td (~fed-state :state (:state f)))
                         (td (~fed-time :at (:created_at f)))
                         (td (if (:accepted_at f) (~fed-time :at (:accepted_at f)) "–"))
                         (td (form :method "post" :action "/_sexp/federation/unfollow"
                               (input :type "hidden" :name "account" :value (:remote f))
                               (button :type "submit" :class "link-button" "Unfollow")))))
                   following)))))

      (h2 "Followers " (span :class "count" (count followers)))
      (if (empty? followers)
        (p :class "empty" "No one follows this instance or its authors yet.")
        (div :class "table-scroll"
          (table :class "lines"
            (thead (tr (th "Of") (th "Follower") (th "Inbox") (th "Since")))
            (tbody
              (map (fn (f)
                     (tr (td (code (:actor f)))
                         (td (a :href (:follower f) (:follower f)))
                         (td (code (or (:shared_inbox f) (:inbox f))))
                         (td (if (:created_at f) (~fed-time :at (:created_at f)) "–"))))
                   followers)))))

      (h2 "Received " (span :class "count" (count documents)))
      (if (empty? documents)
        (p :class "empty" "Nothing received yet: follow an instance above.")
        (div :class "table-scroll"
          (table :class "lines"
            (thead (tr (th "Page") (th "Author") (th "From") (th "Published") (th "Received")))
            (tbody
              (map (fn (d)
                     (tr (td (a :href (fed-path d) (fed-title d)))
                         (td (:handle d))
                         (td (:instance d))
                         (td (if (:published_at d) (~date :at (:published_at d)) "–"))
                         (td (if (:received_at d) (~fed-time :at (:received_at d)) "–"))))
                   documents)))))

      (h2 "Components received " (span :class "count" (count components)))
      (if (empty? components)
        (p :class "empty" "No instance this one follows has shared a component yet.")
        (ul
          (map (fn (instance)
                 (li (a :href "/fed/components/" (count (filter (fn (c) (= (:instance c) instance)) components)) " components")
                     " from " instance))
               (distinct (map (fn (c) (:instance c)) components)))))

      (h2 "Activities")
      (if (empty? activities)
        (p :class "empty" "No activity has arrived yet.")
        (div :class "table-scroll"
          (table :class "lines fed-activities"
            (thead (tr (th "At") (th "Type") (th "From") (th "Object") (th "Outcome")))
            (tbody
              (map (fn (x)
                     (tr :class (str "fed-" (:outcome x))
                       (td (~fed-time :at (:at x)))
                       (td (:type x))
                       (td (code (:actor x)))
                       (td (if (:object x) (code (:object x)) "–"))
                       (td (~fed-state :state (:outcome x))
                           (when (:reason x) (div :class "fed-reason" (:reason x))))))
                   activities)))))
      (p :class "note"
        "A refused activity changed nothing but its line here; its reason says which check refused it. "
        "An activity is taken in once: a replay of one seen before is refused without being processed."))))
