from django.urls import path

from taskforce import views

app_name = "taskforce"

urlpatterns = [
    path("tasks/", views.MyTasksView.as_view(), name="my-tasks"),
    path("tasks/<int:pk>/done/", views.TaskDoneView.as_view(), name="task-done"),
    path("departments/", views.DepartmentsView.as_view(), name="departments"),
    path("complaints/<int:pk>/", views.TaskForceView.as_view(), name="complaint"),
    path("complaints/<int:pk>/tasks/", views.TaskAssignView.as_view(), name="task-assign"),
    path("complaints/<int:pk>/findings/", views.FindingsView.as_view(), name="findings"),
    path("complaints/<int:pk>/report/", views.ReportView.as_view(), name="report"),
]
