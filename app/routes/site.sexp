;; Routes. Path parameters are variables in the body.

(defroute "/"
  (render
    (~base-layout :title "Rose Ash"
      (h1 "Rose Ash")
      (p "A cooperative shop, blog and events."))))

(defroute "/blog/"
  (let ((posts (query blog recent-posts :limit 10)))
    (render
      (~base-layout :title "Blog"
        (h1 "Blog")
        (ul :class "posts"
          (map (fn (p) (li (a :href (str "/blog/" (:slug p) "/") (:title p)))) posts))))))

(defroute "/blog/:slug/"
  (let ((post (query blog post-by-slug :slug slug)))
    (if post
      (render
        (~base-layout :title (:title post)
          (article (h1 (:title post)) (div :class "prose" (raw! (:body_html post))))))
      (status 404 (~not-found :path (str "/blog/" slug "/"))))))

(defroute "/hello/:name"
  (if (htmx-request?)
    (render (p :id "greeting" "Hello again, " name))
    (render (~base-layout :title "Hello" (p :id "greeting" "Hello, " name)))))

(defroute "/go-home" (redirect "/"))

(defroute "/*"
  (status 404 (~not-found :path (str "/" rest))))
